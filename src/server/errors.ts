// Every failure the API answers, as one JSON shape: {"error": {"code", "message"}} with the right status.
// Routes throw ApiError (or let Fastify's own errors through); this one handler turns them into replies.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ImageDecodeError } from '../image/index.ts';

export class ApiError extends Error {
  override name = 'ApiError';
  readonly statusCode: number;
  readonly code: string;

  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}

/** How each image decoding failure is answered. */
export function imageDecodeToApiError(error: ImageDecodeError, maxPixels: number): ApiError {
  switch (error.code) {
    case 'empty-image':
      return new ApiError(400, 'empty-body', 'the request body is empty: send the image bytes');
    case 'image-too-large':
      return new ApiError(413, 'image-too-large', `${error.message} (limit ${maxPixels} pixels)`);
    case 'unsupported-format':
      return new ApiError(422, 'unsupported-image', `${error.message}; send a PNG, JPEG, WebP, GIF or BMP image`);
    case 'corrupt-image':
      return new ApiError(422, 'corrupt-image', error.message);
  }
}

// Fastify's own error codes, answered in our vocabulary.
const fastifyErrors: Record<string, [status: number, code: string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload-too-large'],
  FST_REQ_FILE_TOO_LARGE: [413, 'payload-too-large'],
  FST_PARTS_LIMIT: [413, 'payload-too-large'],
  FST_FILES_LIMIT: [413, 'payload-too-large'],
  FST_FIELDS_LIMIT: [413, 'payload-too-large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported-media-type'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'unsupported-media-type'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'empty-body'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid-json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad-request'],
  FST_ERR_VALIDATION: [400, 'invalid-request'],
};

/** The status, code and message to answer for any error a request ended with. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const fastifyError = error as Partial<FastifyError> | null;
  const code = typeof fastifyError?.code === 'string' ? fastifyError.code : '';
  const known = fastifyErrors[code];
  if (known) return new ApiError(known[0], known[1], describeFastifyError(code, fastifyError));
  if (error instanceof SyntaxError) return new ApiError(400, 'invalid-json', `the JSON body is invalid: ${error.message}`);
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, 'bad-request', fastifyError?.message ?? 'bad request');
  }
  return new ApiError(500, 'internal-error', 'the server failed to answer this request');
}

function describeFastifyError(code: string, error: Partial<FastifyError> | null): string {
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return 'unsupported Content-Type: send image/png, image/jpeg, image/webp, image/gif, image/bmp, multipart/form-data with an "image" field, or application/json with "pixels"';
    case 'FST_ERR_VALIDATION':
      // e.g. "body/pixels must NOT have fewer than 784 items"
      return `invalid request: ${error?.message ?? 'it does not match the schema'}`;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the request body is empty: send a JSON object';
    default:
      return error?.message ?? code;
  }
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const apiError = toApiError(error);
  if (apiError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
  if (apiError.statusCode === 503) reply.header('Retry-After', '1');
  reply.code(apiError.statusCode).send({ error: { code: apiError.code, message: apiError.message } });
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  reply.code(404).send({ error: { code: 'not-found', message: `no route for ${request.method} ${request.url.split('?')[0].slice(0, 200)}` } });
}
