import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-READ-015',
  area: 'READ',
  section: '§6',
  severity: 'error',
  title: 'file-download sends the bytes with Content-Type, Content-Length, Content-Disposition and ETag',
  spec: '`GET /v1/file-download?id=X`: the file’s bytes, with `Content-Type`, `Content-Length`, `Content-Disposition` and `ETag` (the sha256).',
  fix: 'Stream the stored bytes with the record’s mimeType, size, an attachment disposition and its sha256 as ETag.',
  check: (o) => {
    const exchanges = byProbe(o, 'read.file-download');
    const failures = exchanges.flatMap((e) => {
      const r = e.response!;
      const file = e.note!.file as Record<string, unknown>;
      if (r.status !== 200) return [{ message: `file-download answered ${r.status}`, exchange: e }];
      const wrong: string[] = [];
      if (!(r.headers['content-type'] ?? '').startsWith(String(file.mimeType)))
        wrong.push(`Content-Type is not ${String(file.mimeType)}`);
      if (r.headers['content-length'] !== undefined && Number(r.headers['content-length']) !== file.size)
        wrong.push(`Content-Length ${r.headers['content-length']} ≠ size ${String(file.size)}`);
      if (r.bytes !== file.size) wrong.push(`${r.bytes} bytes sent, the record says ${String(file.size)}`);
      if (!r.headers['content-disposition']) wrong.push('no Content-Disposition');
      if (!(r.headers.etag ?? '').includes(String(file.sha256))) wrong.push('the ETag is not the sha256');
      return wrong.map((message) => ({ message, exchange: e }));
    });
    return verdictOf(failures, exchanges.length, 'no file to download was seen');
  },
});
