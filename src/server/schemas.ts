// JSON schemas of the API: they validate requests, shape (and speed up) responses, and make up the OpenAPI document.
// The Reading schema mirrors src/recognize/types.ts.

export const boxSchema = {
  type: 'array',
  description: '[x, y, width, height] in pixels of the input image, x and y of the top-left corner',
  items: { type: 'number' },
  minItems: 4,
  maxItems: 4,
} as const;

export const digitReadingSchema = {
  type: 'object',
  required: ['digit', 'confidence', 'box', 'probabilities'],
  properties: {
    digit: { type: 'integer', minimum: 0, maximum: 9 },
    confidence: { type: 'number', description: 'calibrated probability of `digit`, 0-1' },
    box: boxSchema,
    probabilities: { type: 'array', items: { type: 'number' }, minItems: 10, maxItems: 10 },
  },
} as const;

export const readingSchema = {
  type: 'object',
  description: 'The digits found in the image, left to right',
  required: ['digits', 'confidence', 'items'],
  properties: {
    digits: { type: 'string', description: 'e.g. "2026"; "" when no digit was found' },
    confidence: { type: 'number', description: 'probability that the whole string is right (1 when empty)' },
    items: { type: 'array', items: digitReadingSchema },
  },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'stable, machine-readable, e.g. "corrupt-image"' },
        message: { type: 'string', description: 'what is wrong, for a person' },
      },
    },
  },
} as const;

/** A ready MNIST-style digit: 28x28 = 784 grey levels, row-major, 0 = background to 255 = full ink (white on black). */
export const pixelsBodySchema = {
  type: 'object',
  required: ['pixels'],
  additionalProperties: false,
  properties: {
    pixels: {
      type: 'array',
      minItems: 784,
      maxItems: 784,
      items: { type: 'number', minimum: 0, maximum: 255 },
    },
  },
} as const;

export const healthSchema = {
  type: 'object',
  required: ['status', 'model', 'engine', 'uptimeSeconds'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    model: {
      type: 'object',
      description: 'the loaded model: where it came from and what its metadata says',
      additionalProperties: true,
      properties: { dir: { type: ['string', 'null'] } },
    },
    engine: {
      type: 'object',
      required: ['backend'],
      properties: { backend: { type: ['string', 'null'], description: 'the TensorFlow.js backend in use' } },
    },
    uptimeSeconds: { type: 'number' },
    inFlight: { type: 'integer', description: 'predictions being processed now (by this server process)' },
    pid: { type: 'integer', description: 'the id of the server process that answered (`digits serve --processes N` runs N)' },
  },
} as const;

/** Responses every API route may give besides its success. */
export const errorResponses = {
  '4xx': errorSchema,
  '5xx': errorSchema,
} as const;
