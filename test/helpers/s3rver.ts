import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

/** The part of s3rver's (untyped, CommonJS) API the tests use. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

/** A request through the conditional-write front, at a moment a test may hold it. */
export interface S3Moment {
  method: string;
  /** bucket/key, decoded. */
  path: string;
  /**
   * 'before': arrived at the front; 'in-flight': a conditional write counted as in flight, before
   * the front looks whether the key exists; 'after': answered by s3rver, not yet by the front.
   */
  phase: 'before' | 'in-flight' | 'after';
  status?: number;
}

export interface S3rverOptions {
  /**
   * Put a front before s3rver (which ignores conditional writes) that answers PutObject with
   * `If-None-Match: *` as S3 does: 412 PreconditionFailed when the key exists, 409
   * ConditionalRequestConflict while another conditional write of the key is in flight.
   */
  conditionalWrites?: boolean;
  /** Awaited at each moment of each request through the front: lets a test stage a race. */
  hold?: (moment: S3Moment) => Promise<void> | void;
}

export interface LocalS3 {
  endpoint: string;
  /** A client for this server; destroyed by close(). */
  client(): S3Client;
  close(): Promise<void>;
}

/** A throwaway S3-compatible server (s3rver) on a free port with its data in a temp folder. */
export async function startS3rver(buckets: string[], options: S3rverOptions = {}): Promise<LocalS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const directory = await mkdtemp(join(tmpdir(), 'drillbook-s3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const front = options.conditionalWrites ? await conditionalFront(port, options.hold) : null;
  const endpoint = `http://127.0.0.1:${front ? (front.address() as AddressInfo).port : port}`;
  const clients: S3Client[] = [];
  return {
    endpoint,
    client() {
      const client = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        maxAttempts: 2,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.destroy();
      front?.closeAllConnections();
      front?.close();
      server.httpServer?.closeAllConnections();
      await server.close().catch(() => {});
      await rm(directory, { recursive: true, force: true });
    },
  };
}

const s3ErrorXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`;

/** Forwards every request to s3rver at `port`, adding S3's answers to conditional PutObjects. */
async function conditionalFront(port: number, hold: S3rverOptions['hold']): Promise<Server> {
  const inFlight = new Set<string>();
  const forward = (req: IncomingMessage, res: ServerResponse, path: string, done: () => void) => {
    const upstream = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
      async (answer) => {
        await hold?.({ method: req.method ?? '', path, phase: 'after', status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', done);
      },
    );
    upstream.on('error', (error) => {
      done();
      res.destroy(error);
    });
    req.pipe(upstream);
  };
  const exists = (url: string) =>
    new Promise<boolean>((resolve, reject) => {
      const head = request({ host: '127.0.0.1', port, method: 'HEAD', path: url }, (answer) => {
        answer.resume();
        resolve(answer.statusCode === 200);
      });
      head.on('error', reject);
      head.end();
    });
  const refuse = (res: ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/xml' }).end(s3ErrorXml(code, message));
  };
  const front = createServer(async (req, res) => {
    const url = req.url ?? '/';
    const path = decodeURIComponent(url.split('?')[0]!.replace(/^\//, ''));
    await hold?.({ method: req.method ?? '', path, phase: 'before' });
    if (req.method !== 'PUT' || req.headers['if-none-match'] !== '*') {
      forward(req, res, path, () => {});
      return;
    }
    if (inFlight.has(path)) {
      req.resume();
      refuse(
        res,
        409,
        'ConditionalRequestConflict',
        'A conflicting operation occurred. If using PutObject you can retry the request.',
      );
      return;
    }
    inFlight.add(path);
    await hold?.({ method: 'PUT', path, phase: 'in-flight' });
    if (await exists(url.split('?')[0]!)) {
      inFlight.delete(path);
      req.resume();
      refuse(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      return;
    }
    forward(req, res, path, () => inFlight.delete(path));
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return front;
}
