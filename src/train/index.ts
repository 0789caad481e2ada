// The training part: the loop, its recipes and checkpoints, evaluation and the HTML report.
export { train, checkConfig, checkpointPath, prepareOutput, readRunCheckpoint, TrainConfigError } from './train.ts';
export type { TrainConfig, TrainData, TrainEvent, TrainMetrics, TrainOptions, TrainResult, EpochRecord, BatchEvent } from './train.ts';
export { RECIPES } from './recipes.ts';
export type { Recipe, OptimizerName, ScheduleName } from './recipes.ts';
export { learningRateAt } from './schedule.ts';
export { CheckpointError } from './checkpoint.ts';
export { strokeDigits } from './stroke-digits.ts';
export { fitTemperature } from './calibrate.ts';
export type { TemperatureFit } from './calibrate.ts';
export { medianLargestLogit } from './logit-scale.ts';
export * from './evaluate.ts';
export { modelLogits, bytesToUnit, outputsProbabilities } from './evaluate-model.ts';
