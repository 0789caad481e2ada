// Asking any classifier for probabilities and evidence: those without evidence answer with probabilities alone.
import type { Classified, DigitClassifier } from './types.ts';

export async function classifyWithEvidence(classifier: DigitClassifier, images: Float32Array, count: number): Promise<Classified> {
  if (classifier.classifyWithEvidence) return classifier.classifyWithEvidence(images, count);
  return { probabilities: await classifier.classify(images, count), evidence: null };
}
