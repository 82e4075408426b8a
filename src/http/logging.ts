import type { FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';
import type { LogConfig } from '../config';

// Belt and braces: the default request serializer logs no headers or bodies, but anything
// that logs a request or its headers must not carry credentials into the log.
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'password',
  'refreshToken',
  'accessToken',
];

/**
 * pino options for Fastify: one JSON object a line (production, tests), or pino-pretty for
 * people in development. Every line of a request carries its `reqId` (Fastify's child logger).
 */
export function loggerOptions(settings: LogConfig, stream?: DestinationStream): FastifyServerOptions['logger'] {
  const base = { level: settings.level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (stream) return { ...base, stream };
  if (settings.format === 'pretty') {
    return { ...base, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } };
  }
  return base;
}
