// POST /api/predict: an image (raw body or multipart field "image") or a ready 28x28 digit (JSON) -> Reading.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { ImageDecodeError } from '../../image/index.ts';
import type { DigitClassifier, Reading } from '../../recognize/types.ts';
import { ApiError, imageDecodeToApiError } from '../errors.ts';
import type { ImageReader } from '../image-reader.ts';
import { InFlightLimit } from '../in-flight.ts';
import { readMnistPixels } from '../pixels.ts';
import { roundReading } from '../round.ts';
import { errorResponses, pixelsBodySchema, readingSchema } from '../schemas.ts';

export interface PredictRouteOptions {
  classifier: DigitClassifier; // for JSON pixels
  reader: ImageReader; // for images
  limit: InFlightLimit;
  maxBodyBytes: number;
  maxInputPixels: number;
  timeoutMs: number;
}

/** Raw image bodies we accept; the bytes decide the format, so a mislabelled image still reads. */
export const imageContentTypes = [
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
  'image/bmp',
  'image/x-ms-bmp',
  'application/octet-stream',
];

export async function predictRoutes(app: FastifyInstance, options: PredictRouteOptions): Promise<void> {
  const { classifier, reader, limit, maxBodyBytes, maxInputPixels, timeoutMs } = options;

  // Only the body types this route understands: anything else (text/plain, form-urlencoded...) is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.addContentTypeParser(imageContentTypes, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  await app.register(multipart, { limits: { fileSize: maxBodyBytes, files: 1, fields: 4, parts: 5, headerPairs: 100 } });

  async function readRequest(request: FastifyRequest): Promise<Reading> {
    let bytes: Uint8Array;
    if (request.isMultipart()) {
      bytes = await readMultipartImage(request);
    } else if (Buffer.isBuffer(request.body)) {
      bytes = request.body;
    } else if (request.body && typeof request.body === 'object') {
      return readMnistPixels((request.body as { pixels: number[] }).pixels, classifier);
    } else {
      throw new ApiError(400, 'empty-body', 'the request has no body: send an image, or JSON {"pixels": [784 numbers]}');
    }
    try {
      return await reader.read(bytes);
    } catch (error) {
      throw error instanceof ImageDecodeError ? imageDecodeToApiError(error, maxInputPixels) : error;
    }
  }

  app.post(
    '/api/predict',
    {
      bodyLimit: maxBodyBytes,
      onRequest: limit.admit,
      schema: {
        summary: 'Read the digits in an image',
        description:
          'Send the image as the raw body (Content-Type image/png, image/jpeg, image/webp, image/gif or image/bmp), ' +
          `as the multipart/form-data field "image", or a ready 28x28 digit as JSON {"pixels": [784 numbers 0-255]} ` +
          `(white ink on black, like MNIST). Bodies up to ${maxBodyBytes} bytes, images up to ${maxInputPixels} pixels.`,
        body: { content: { 'application/json': { schema: pixelsBodySchema } } },
        response: { 200: readingSchema, ...errorResponses },
      },
    },
    async (request) => roundReading(await withTimeout(readRequest(request), timeoutMs)),
  );
}

/** The bytes of the multipart field "image"; a broken form is the client's fault (400), not ours. */
async function readMultipartImage(request: FastifyRequest): Promise<Uint8Array> {
  try {
    const part = await request.file();
    if (!part) throw new ApiError(400, 'missing-image', 'the multipart form has no file: send it as the field "image"');
    if (part.fieldname !== 'image') {
      part.file.resume(); // drain it so the request can end
      throw new ApiError(400, 'missing-image', `the multipart file field is "${part.fieldname.slice(0, 50)}"; name it "image"`);
    }
    return await part.toBuffer();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 413) throw error; // file too large: the error handler answers it
    const message = error instanceof Error ? error.message : String(error);
    throw new ApiError(400, 'invalid-multipart', `the multipart body is malformed: ${message}`);
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new ApiError(503, 'timeout', `the prediction took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
