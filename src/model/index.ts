// The model part, for the browser and Node: architectures and calibrated classifiers.
// Saving and loading files lives in ./node.ts (Node only).
export { ARCHITECTURES, buildModel, buildVerifier, isArchName, VERIFIER_CLASSES } from './architectures.ts';
export type { ArchName, BuildOptions } from './architectures.ts';
export { createClassifier, createVerifier, loadClassifierFromUrl, modelMetadata } from './classifier.ts';
export type { ModelMetadata } from './classifier.ts';
export { softmax } from './softmax.ts';
