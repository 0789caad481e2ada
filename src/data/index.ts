// The data part's public surface: IDX files, MNIST (find, download, verify, load).
export { IdxError, MnistDataError } from './errors.ts';
export type { IdxErrorCode, MnistDataErrorCode } from './errors.ts';
export { readIdx, writeIdx, decodeIdx, encodeIdx, parseIdx, isGzip, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from './idx.ts';
export type { IdxData, IdxImages, IdxLabels, IdxExpectation } from './idx.ts';
export { MNIST_FILES, MNIST_MIRRORS, MNIST_ROWS, MNIST_COLS, mnistFilesFor } from './mnist-files.ts';
export type { MnistFileSpec, MnistSplit } from './mnist-files.ts';
export { resolveDataDir, chooseDataDir, userCacheDir, checkDataDir, DATA_DIR_ENV } from './data-dir.ts';
export type { DataDirChoice } from './data-dir.ts';
export { downloadMnistFile, DownloadError } from './download.ts';
export type { DownloadOptions, DownloadProgress, FetchLike } from './download.ts';
export { stderrDownloadProgress } from './progress.ts';
export { loadMnist, ensureMnist, pairImagesWithLabels } from './mnist.ts';
export type { MnistSet, MnistOptions, MnistFileStatus, MnistFileState, MnistReport } from './mnist.ts';
export { sha256Hex } from './verify.ts';
export { writeFileAtomic, tempPathBeside } from './atomic-write.ts';
