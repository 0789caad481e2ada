// At most N predictions at once; the next one is told to come back (503) instead of queueing without bound,
// so a flood of requests cannot pile up decoded images in memory or push every latency past its timeout.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ApiError } from './errors.ts';

export class InFlightLimit {
  private current = 0;
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get inFlight(): number {
    return this.current;
  }

  /** An onRequest hook: admits the request or answers 503. Released when the response closes, however it ends. */
  readonly admit = (_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (this.current >= this.max) {
      done(new ApiError(503, 'busy', `the server is busy (${this.max} predictions in progress); retry shortly`));
      return;
    }
    this.current++;
    let released = false;
    reply.raw.once('close', () => {
      if (!released) {
        released = true;
        this.current--;
      }
    });
    done();
  };
}
