/**
 * Reads a secret (a password) for a command: from standard input when it is a pipe or a file
 * (`printf '%s' "$PW" | orrery users create alice`), or typed at a prompt without echo when it is
 * a terminal. Secrets never come from arguments, which every user of the machine can read in the
 * process list.
 */
import { UsageError } from './cli-errors.js';

/** Largest secret read from a pipe; a longer input is refused rather than read without bound. */
const MAX_SECRET_BYTES = 64 * 1024;

async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_SECRET_BYTES) throw new UsageError(`The secret on standard input is longer than ${MAX_SECRET_BYTES} bytes.`);
    chunks.push(buffer);
  }
  // One trailing line break is the shell's, not the secret's.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function readTyped(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new UsageError('Cancelled.'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** The secret, prompted for with `prompt` on a terminal, read whole from standard input otherwise. */
export async function readSecret(prompt: string): Promise<string> {
  return process.stdin.isTTY ? readTyped(prompt) : readPiped();
}
