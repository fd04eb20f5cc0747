// Runs s3rver in its own process (started with --openssl-legacy-provider: s3rver 3.7 builds list
// continuation tokens with DES, which Node 20's OpenSSL 3 refuses otherwise, so lists of more than
// 1000 keys would fail in-process).
// argv: <directory> <bucket>...; prints {"port": n} once listening; exits when stdin closes.
const S3rver = require('s3rver');
const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory,
  silent: true,
  // Path-style requests only (the S3 store sets forcePathStyle for custom endpoints).
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name })),
});

// s3rver 3.7 ignores `If-None-Match: *` on PUT, which real S3 honours (412 PreconditionFailed) and
// which the manifest's putIfAbsent relies on. This gives it S3's answer so the fencing path is real.
// It checks then writes, so it is not atomic under concurrent racers: conditional-write semantics
// are asserted on the local store and the fault wrapper, not here.
server.middleware.unshift(async (ctx, next) => {
  if (ctx.method === 'PUT' && ctx.headers['if-none-match'] === '*') {
    const parts = ctx.path.split('/').slice(1);
    const bucket = decodeURIComponent(parts[0] ?? '');
    const key = parts.slice(1).map(decodeURIComponent).join('/');
    if (bucket && key && (await ctx.store.existsObject(bucket, key))) {
      ctx.status = 412;
      ctx.set('Content-Type', 'application/xml');
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
        '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
        '<Condition>If-None-Match</Condition></Error>';
      return;
    }
  }
  await next();
});

server.run().then((address) => {
  process.stdout.write(JSON.stringify({ port: address.port }) + '\n');
});
// The parent owns our lifetime: when it goes away, so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
