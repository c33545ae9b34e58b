// The HTTP floor: a bare node:http server that answers every GET with a ready body of the
// size its path names (/<bytes>), whatever the query. Run as a process of its own by the
// bench; prints its port.
import { createServer } from 'node:http';

const bodies = new Map();
const server = createServer((request, response) => {
  const size = Number(request.url.slice(1).split('?')[0]) || 2;
  let body = bodies.get(size);
  if (!body) {
    body = Buffer.alloc(size, 'a');
    body[0] = 0x5b;
    body[size - 1] = 0x5d;
    bodies.set(size, body);
  }
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': size });
  response.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
