// The four standard MNIST files: facts about them, copied from ../shared/data/mnist/SHA256SUMS.
// Sums are of the decompressed IDX content, so a folder may hold either `NAME` or `NAME.gz`.

export type MnistSplit = 'train' | 'test';

export interface MnistFileSpec {
  /** The decompressed file name; the folder may hold this or `${name}.gz`. */
  name: string;
  split: MnistSplit;
  kind: 'images' | 'labels';
  count: number;
  /** SHA-256 of the decompressed IDX bytes. */
  sha256: string;
  /** Decompressed size in bytes (header + data). */
  bytes: number;
}

export const MNIST_ROWS = 28;
export const MNIST_COLS = 28;

export const MNIST_FILES: readonly MnistFileSpec[] = [
  {
    name: 'train-images-idx3-ubyte',
    split: 'train',
    kind: 'images',
    count: 60000,
    sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
    bytes: 47040016,
  },
  {
    name: 'train-labels-idx1-ubyte',
    split: 'train',
    kind: 'labels',
    count: 60000,
    sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
    bytes: 60008,
  },
  {
    name: 't10k-images-idx3-ubyte',
    split: 'test',
    kind: 'images',
    count: 10000,
    sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
    bytes: 7840016,
  },
  {
    name: 't10k-labels-idx1-ubyte',
    split: 'test',
    kind: 'labels',
    count: 10000,
    sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
    bytes: 10008,
  },
];

/** Public mirrors of the gzip files, tried in order; each serves `${mirror}${name}.gz`. */
export const MNIST_MIRRORS: readonly string[] = [
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
  'http://yann.lecun.com/exdb/mnist/',
];

export function mnistFilesFor(split: MnistSplit, files: readonly MnistFileSpec[] = MNIST_FILES): { images: MnistFileSpec; labels: MnistFileSpec } {
  const images = files.find((f) => f.split === split && f.kind === 'images');
  const labels = files.find((f) => f.split === split && f.kind === 'labels');
  if (!images || !labels) throw new RangeError(`no MNIST split '${split}' (expected 'train' or 'test')`);
  return { images, labels };
}
