// Node-only image decoding for the CLI and the server: bytes of a PNG/JPEG/WebP/GIF/BMP -> RgbaImage.
export { decodeImage, sniffImageFormat, MAX_INPUT_PIXELS } from './decode.ts';
export type { DecodeOptions, ImageFormat } from './decode.ts';
export { decodeSmallPng, SMALL_PNG_PIXELS } from './png.ts';
export { ImageDecodeError } from './errors.ts';
export type { ImageDecodeErrorCode } from './errors.ts';
export { shrinkToFit, WORKING_PIXELS } from './shrink.ts';
export type { ShrunkImage } from './shrink.ts';
