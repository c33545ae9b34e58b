import { createHash } from 'node:crypto';

/** Small documents whose bytes carry the signature of their type. */
export const DOCUMENTS = {
  pdf: bytes('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
  png: bytes(
    Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    ),
  ),
  /** A Linux executable's header. */
  elf: bytes(Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120, 0)])),
  /** A Windows executable's header (MZ … PE). */
  exe: bytes(peHeader()),
  html: bytes('<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>'),
  text: bytes('Sehr geehrte Damen und Herren,\nanbei die Unterlagen.\n'),
};

/** A PDF whose bytes no other document has (a fresh blob). */
export const uniquePdf = () => bytes(`%PDF-1.4\n% ${Math.random().toString(36).slice(2)}\ntrailer\n%%EOF\n`);

function bytes(content: string | Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
}

function peHeader(): Buffer {
  const b = Buffer.alloc(256, 0);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(0x14c, 0x84);
  return b;
}

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
