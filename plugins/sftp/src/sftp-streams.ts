import { Readable, Writable } from 'node:stream';
import { sftpRequest, type SftpSession } from './sftp-connection.js';

/**
 * ssh2's own SFTP streams keep one request in flight and wait for its answer before sending the
 * next, so their speed is one piece per round trip. These keep a bounded number of requests in
 * flight (as ssh2's fastPut/fastGet do for local files), which is what makes streamed transfers
 * fast, while memory stays bounded by `pieceSize * maxInFlight`.
 */

/** Bytes per SFTP read or write request; OpenSSH accepts up to 255 KiB, other servers 32 KiB. */
export const PIECE_SIZE = 32 * 1024;
/** Requests kept in flight per stream. */
export const MAX_IN_FLIGHT = 64;

/** Writes to an open SFTP file handle, keeping up to `maxInFlight` write requests outstanding. */
export class SftpPipelinedWriter extends Writable {
  private position = 0;
  private inFlight = 0;
  private failure: Error | undefined;
  /** The continuation of a `_write` waiting for a free slot. */
  private waitingForSlot: (() => void) | undefined;
  /** `_final`'s callback, waiting for the last answers. */
  private waitingForIdle: (() => void) | undefined;

  constructor(
    private readonly sftp: SftpSession,
    private readonly handle: Buffer,
    private readonly maxInFlight = MAX_IN_FLIGHT,
    private readonly pieceSize = PIECE_SIZE,
  ) {
    super({ highWaterMark: pieceSize });
  }

  /** Bytes sent so far. */
  get bytesWritten(): number {
    return this.position;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let offset = 0;
    const sendPieces = (): void => {
      while (offset < chunk.length) {
        if (this.failure) return callback(this.failure);
        if (this.inFlight >= this.maxInFlight) {
          this.waitingForSlot = sendPieces;
          return;
        }
        const length = Math.min(this.pieceSize, chunk.length - offset);
        const position = this.position;
        this.position += length;
        this.inFlight += 1;
        // ssh2 copies the bytes into its packet before returning, so `chunk` is not held.
        sftpRequest<void>(this.sftp, (done) => this.sftp.write(this.handle, chunk, offset, length, position, done)).then(
          () => this.settled(undefined),
          (error: Error) => this.settled(error),
        );
        offset += length;
      }
      callback(this.failure ?? null);
    };
    sendPieces();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.inFlight === 0) callback(this.failure ?? null);
    else this.waitingForIdle = () => callback(this.failure ?? null);
  }

  private settled(error: Error | null | undefined): void {
    this.inFlight -= 1;
    if (error && !this.failure) this.failure = error;
    const slot = this.waitingForSlot;
    if (slot) {
      this.waitingForSlot = undefined;
      slot();
    }
    if (this.inFlight === 0 && this.waitingForIdle) {
      const idle = this.waitingForIdle;
      this.waitingForIdle = undefined;
      idle();
    }
  }
}

function readPiece(sftp: SftpSession, handle: Buffer, position: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    const next = (): void => {
      sftpRequest<number>(sftp, (done) => sftp.read(handle, buffer, filled, length - filled, position + filled, done)).then(
        (bytesRead) => {
          if (bytesRead === 0) return resolve(buffer.subarray(0, filled));
          filled += bytesRead;
          if (filled < length) next();
          else resolve(buffer);
        },
        (error: Error) => {
          // ssh2 reports the end of the file as an EOF status (code 1).
          if ((error as { code?: unknown }).code === 1) return resolve(buffer.subarray(0, filled));
          reject(error);
        },
      );
    };
    next();
  });
}

/**
 * Reads `size` bytes from an open SFTP file handle with up to `maxInFlight` read requests ahead,
 * delivering them in order, and closes the handle at the end or on destroy.
 */
export class SftpPipelinedReader extends Readable {
  private nextPosition = 0;
  private readonly queue: Array<Promise<Buffer>> = [];
  private pumping = false;
  private handleClosed = false;

  constructor(
    private readonly sftp: SftpSession,
    private readonly handle: Buffer,
    private readonly size: number,
    private readonly maxInFlight = MAX_IN_FLIGHT,
    private readonly pieceSize = PIECE_SIZE,
  ) {
    super({ highWaterMark: pieceSize * 4 });
  }

  override _read(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.closeHandle(() => callback(error));
  }

  private fill(): void {
    while (this.queue.length < this.maxInFlight && this.nextPosition < this.size) {
      const length = Math.min(this.pieceSize, this.size - this.nextPosition);
      const piece = readPiece(this.sftp, this.handle, this.nextPosition, length);
      // Handled when it reaches the head of the queue; this keeps an early failure from being "unhandled".
      piece.catch(() => undefined);
      this.queue.push(piece);
      this.nextPosition += length;
    }
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        this.fill();
        const head = this.queue.shift();
        if (!head) {
          this.closeHandle(() => this.push(null));
          return;
        }
        const piece = await head;
        if (this.destroyed) return;
        if (piece.length === 0) {
          // The file shrank after it was opened: end at what is there.
          this.queue.length = 0;
          this.nextPosition = this.size;
          continue;
        }
        if (!this.push(piece)) {
          this.pumping = false;
          return;
        }
      }
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  private closeHandle(done: () => void): void {
    if (this.handleClosed) return done();
    this.handleClosed = true;
    sftpRequest<void>(this.sftp, (callback) => this.sftp.close(this.handle, callback)).then(done, done);
  }
}
