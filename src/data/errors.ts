// Why MNIST data could not be read, found or fetched: each error names the file or folder and the problem,
// with a stable code so callers (the CLI, tests) can tell the cases apart without parsing messages.

export type IdxErrorCode =
  | 'empty-file' // zero bytes
  | 'corrupt-gzip' // starts like gzip but does not decompress (damaged or cut short)
  | 'wrong-magic' // not an IDX file of the expected kind
  | 'truncated' // fewer data bytes than the header promises
  | 'trailing-bytes' // more bytes than the header promises
  | 'wrong-dimensions' // images that are not the expected rows x cols
  | 'wrong-count' // a different number of samples than expected
  | 'label-out-of-range' // a label outside 0-9
  | 'length-mismatch' // images and labels files with different sample counts
  | 'checksum-mismatch' // decompressed content differs from the standard file
  | 'too-large' // decompresses to more bytes than the file can hold
  | 'unreadable'; // the file exists but cannot be read (permissions, a folder in its place)

/** A bad IDX file. `file` is the path as given; the message starts with it. */
export class IdxError extends Error {
  override name = 'IdxError';
  readonly code: IdxErrorCode;
  readonly file: string;
  /** The message without the file name. */
  readonly problem: string;

  constructor(code: IdxErrorCode, file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.code = code;
    this.file = file;
    this.problem = problem;
  }
}

export type MnistDataErrorCode =
  | 'dir-not-found' // the data folder does not exist
  | 'not-a-directory' // a file where the data folder should be
  | 'dir-unreadable' // the folder exists but cannot be listed
  | 'dir-not-writable' // downloads cannot be saved in the folder
  | 'files-missing' // files absent and downloading was not allowed
  | 'download-failed' // every mirror failed for a file
  | 'files-bad'; // files present but corrupt, and not replaced

/** A problem with the data folder as a whole, or with getting files into it. */
export class MnistDataError extends Error {
  override name = 'MnistDataError';
  readonly code: MnistDataErrorCode;

  constructor(code: MnistDataErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
