// Why an image could not be decoded, as a stable code the server maps to an HTTP status and the CLI prints.

export type ImageDecodeErrorCode =
  | 'empty-image' // zero bytes
  | 'unsupported-format' // not PNG, JPEG, WebP, GIF or BMP (or a variant of them we cannot read)
  | 'image-too-large' // more pixels than the limit
  | 'corrupt-image'; // truncated or damaged

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
  readonly code: ImageDecodeErrorCode;

  constructor(code: ImageDecodeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
