import { FTPError } from 'basic-ftp';
import { type ErrorCode, OrreryError, isOrreryError } from '@orrery/core';
import type { FtpLocation } from './ftp-location.js';

/** FTP reply codes that say the connection (not the request) failed, so a fresh connection may succeed. */
const TRANSIENT_REPLY_CODES = new Set([421, 425, 426, 450, 451]);

/** Node and TLS error codes of a server that cannot be reached or dropped the connection. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/;

/** Whether `error` is a reply from the FTP server (the connection itself answered). */
export function isFtpReply(error: unknown): error is FTPError {
  return error instanceof FTPError;
}

/** Whether `error` is a reply with the given code. */
export function isFtpReplyCode(error: unknown, ...codes: number[]): boolean {
  return isFtpReply(error) && codes.includes(error.code);
}

/**
 * Whether a failed operation may succeed on a fresh connection: the connection dropped, timed out
 * or was refused, or the server answered with a transient (4xx connection) reply.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (isOrreryError(error)) return false;
  if (isFtpReply(error)) return TRANSIENT_REPLY_CODES.has(error.code);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return NETWORK_ERROR_CODES.has(code);
  const message = error instanceof Error ? error.message : '';
  // basic-ftp reports a closed or timed-out control connection as plain Errors.
  return /closed|timeout|FIN packet|socket|connection/i.test(message);
}

/**
 * Turns what basic-ftp or the network threw into an OrreryError naming the operation and the
 * artifact. Messages show host, port and user but never the password; as a last guard the
 * password is masked in any server text passed through. OrreryErrors pass through unchanged;
 * so do errors that are neither FTP replies nor network errors (e.g. from the caller's body stream).
 */
export function translateFtpError(error: unknown, location: FtpLocation, operation: string, artifactPath: string): unknown {
  if (isOrreryError(error)) return error;
  const where = `${location.host}:${location.port}`;
  const subject = `Cannot ${operation} artifact '${artifactPath}' in ${location.shownUri}`;
  const make = (code: ErrorCode, message: string) => new OrreryError(code, maskSecret(message, location.password), { cause: error });

  if (isFtpReply(error)) {
    const reply = `FTP ${error.code}: ${error.message.replace(/^\d{3}[\s-]*/, '').trim()}`;
    if (error.code === 530) {
      return make('UNAUTHENTICATED', `The FTP server ${where} refused the login of user '${location.user}' (${reply}).`);
    }
    if (TRANSIENT_REPLY_CODES.has(error.code)) return make('TEMPORARILY_UNAVAILABLE', `${subject}: the server is busy or dropped the transfer (${reply}).`);
    if (error.code === 550) return make('RESOURCE_DOES_NOT_EXIST', `${subject}: it does not exist or is not accessible (${reply}).`);
    if (error.code === 552 || error.code === 452) return make('RESOURCE_EXHAUSTED', `${subject}: the server is out of storage (${reply}).`);
    if (error.code === 553) return make('INVALID_PARAMETER_VALUE', `${subject}: the server does not allow this file name (${reply}).`);
    if (error.code === 532 || error.code === 534) return make('PERMISSION_DENIED', `${subject}: permission denied (${reply}).`);
    return make('INTERNAL_ERROR', `${subject}: unexpected reply from the FTP server (${reply}).`);
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && CERTIFICATE_ERROR.test(code)) {
    return make(
      'UNAUTHENTICATED',
      `The FTPS server ${where} presented a certificate that is not trusted (${code}); trust its certificate authority with ORRERY_FTPS_CA_FILE.`,
    );
  }
  if (isConnectionFailure(error)) {
    return make('TEMPORARILY_UNAVAILABLE', `${subject}: the FTP server ${where} cannot be reached or dropped the connection (${detail}).`);
  }
  return error;
}

/** Replaces the password in a message; short passwords are left alone, as masking them would garble text. */
export function maskSecret(message: string, secret: string): string {
  return secret.length >= 4 ? message.split(secret).join('***') : message;
}
