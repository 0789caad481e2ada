// Learning-rate schedules as pure functions of progress, so a resumed run picks up the exact rate.
import type { ScheduleName } from './recipes.ts';

const WARMUP = 0.05; // fraction of the run spent rising to the peak
const START = 0.1; // the warm-up starts at this fraction of the peak
const FLOOR = 0.01; // and the cosine decay ends here

/**
 * The learning rate at `step` (0-based) of `totalSteps`. 'one-cycle' warms up linearly for the first 5% of
 * steps, then follows a half cosine down to 1% of the peak (Smith & Topin's one-cycle, cosine variant).
 */
export function learningRateAt(schedule: ScheduleName, peak: number, step: number, totalSteps: number): number {
  if (schedule === 'constant' || totalSteps <= 1) return peak;
  const progress = Math.min(1, step / (totalSteps - 1));
  if (progress < WARMUP) return peak * (START + (1 - START) * (progress / WARMUP));
  const decay = (progress - WARMUP) / (1 - WARMUP);
  return peak * (FLOOR + (1 - FLOOR) * 0.5 * (1 + Math.cos(Math.PI * decay)));
}
