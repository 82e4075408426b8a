/**
 * The hand-written limit for `me`: node:http, one pg pool and a KeyObject JWT check doing
 * exactly what Girok's `me` does (the same JWT checks, the same one query, the same JSON),
 * with nothing between the socket and the query. The bench runs it as a child process on the
 * same database; `me` ÷ this is how much our layers cost.
 */
import { createHash, createSecretKey } from 'node:crypto';
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';
import { Pool } from 'pg';

const secret = Buffer.from(process.env.JWT_SECRET ?? '', 'utf8');
const key = createSecretKey(secret);
const kid = createHash('sha256').update('girok-kid:').update(secret).digest('base64url').slice(0, 16);
const issuer = process.env.JWT_ISSUER ?? 'girok-auth';
const audience = process.env.JWT_AUDIENCE ?? 'girok';
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

const VIEWER = `select u.id, u.email, u.email_verified, u.password_hash is not null as has_password, u.locale, u.created_at
  from users u join sessions s on s.user_id = u.id
 where s.id = $1 and u.id = $2 and s.revoked_at is null and s.expires_at > now()`;

function claims(header: string | undefined): { sub: string; sid: string } | null {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) return null;
  try {
    const decoded = jwt.decode(match[1], { complete: true });
    if (!decoded || decoded.header.kid !== kid || decoded.header.alg !== 'HS256' || decoded.header.typ !== 'at+jwt') return null;
    const payload = jwt.verify(match[1], key, { algorithms: ['HS256'], issuer, audience });
    return typeof payload === 'object' && typeof payload.sub === 'string' && typeof payload.sid === 'string' ? { sub: payload.sub, sid: payload.sid } : null;
  } catch {
    return null;
  }
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const answer = (body: unknown) => {
      const json = JSON.stringify(body);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'cache-control': 'no-store' });
      response.end(json);
    };
    const who = claims(request.headers.authorization);
    if (!who) return answer({ data: { me: null } });
    pool.query(VIEWER, [who.sid, who.sub]).then(
      ({ rows: [row] }) =>
        answer({
          data: { me: row ? { id: row.id, email: row.email, emailVerified: row.email_verified, createdAt: new Date(row.created_at).toISOString() } : null },
        }),
      () => {
        response.writeHead(500);
        response.end();
      },
    );
  });
});

server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('limit server listening'));
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
