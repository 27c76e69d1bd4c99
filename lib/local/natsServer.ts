import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { DrillbookError } from '../core/errors.js';
import { waitFor } from '../core/wait.js';
import { freePort } from './pgCluster.js';

export interface NatsServerOptions {
  /** JetStream store folder (-sd). */
  storeDir: string;
  port?: number;
  /** nats-server binary; default `nats-server` on PATH (Debian: /usr/bin/nats-server). */
  binary?: string;
  startTimeoutMs?: number;
  /** Extra nats-server arguments, e.g. ["-c", FILE] for a config with authorization. */
  args?: string[];
}

/**
 * A nats-server with JetStream that this process runs on one machine (tests, the demo). It can be
 * stopped and started again on the same port and store folder, which is how tests simulate an
 * outage.
 */
export class LocalNatsServer {
  private child: ChildProcess | null = null;
  private stderr = '';

  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly binary: string,
    private readonly startTimeoutMs: number,
    private readonly extraArgs: string[] = [],
  ) {}

  static async start(options: NatsServerOptions): Promise<LocalNatsServer> {
    const server = new LocalNatsServer(
      options.port ?? (await freePort()),
      options.storeDir,
      options.binary ?? process.env['DRILLBOOK_NATS_SERVER'] ?? 'nats-server',
      options.startTimeoutMs ?? 15_000,
      options.args,
    );
    await server.start();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.stderr = '';
    const child = spawn(
      this.binary,
      ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir, ...this.extraArgs],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (error) =>
        reject(new DrillbookError(`could not start ${this.binary}: ${error.message}`, { cause: error })),
      ),
    );
    spawnError.catch(() => {});
    await Promise.race([
      spawnError,
      waitFor(
        `nats-server on port ${this.port}`,
        async () => {
          if (child.exitCode !== null) {
            throw new DrillbookError(
              `nats-server exited (${child.exitCode}): ${this.stderr.trim().slice(-500)}`,
            );
          }
          return (await portOpen(this.port)) ? true : undefined;
        },
        { timeoutMs: this.startTimeoutMs, intervalMs: 50 },
      ),
    ]);
  }

  /** Kills the server (SIGKILL: an abrupt outage) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    this.child = null;
  }

  /** Graceful stop (SIGTERM), killing it if it takes longer than 5 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }

  /** For process-exit hooks: kill synchronously without waiting. */
  killNow(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
