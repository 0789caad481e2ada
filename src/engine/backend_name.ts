/** The name of the TensorFlow.js backend the engine registers. */
export const ENGINE_BACKEND = 'digits-engine';
