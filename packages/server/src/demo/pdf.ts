import { PDFDocument, rgb, StandardFonts } from 'pdf-lib';

export interface PdfContent {
  title: string;
  subtitle?: string;
  rows: ReadonlyArray<readonly [label: string, value: string]>;
  footer?: string;
  /** Fixed for reproducible bytes. */
  date: Date;
}

/** WinAnsi (the standard fonts' encoding) cannot draw every character; replace the rest. */
const printable = (text: string) => text.replace(/[^\x20-\x7E\xA0-\xFF€]/g, '?');

/** A one-page A4 document: a title, a table of label/value rows, a footer. */
export async function renderPdf(content: PdfContent): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle(printable(content.title));
  doc.setProducer('finum-sync');
  doc.setCreator('finum-sync');
  doc.setCreationDate(content.date);
  doc.setModificationDate(content.date);
  const page = doc.addPage([595.28, 841.89]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  let y = 780;
  page.drawText(printable(content.title), { x: 56, y, size: 20, font: bold, color: rgb(0.1, 0.2, 0.4) });
  y -= 26;
  if (content.subtitle) {
    page.drawText(printable(content.subtitle), { x: 56, y, size: 11, font, color: rgb(0.3, 0.3, 0.3) });
    y -= 30;
  }
  for (const [label, value] of content.rows) {
    page.drawText(printable(label), { x: 56, y, size: 11, font: bold });
    page.drawText(printable(value).slice(0, 80), { x: 220, y, size: 11, font });
    y -= 18;
    if (y < 80) break;
  }
  if (content.footer) {
    page.drawText(printable(content.footer), { x: 56, y: 48, size: 8, font, color: rgb(0.4, 0.4, 0.4) });
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
