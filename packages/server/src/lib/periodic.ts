/**
 * A background round run every `intervalMs`, one at a time: a tick that finds the last round
 * still running skips, and `stop()` waits for the round in progress. The timer never keeps the
 * process alive. A failed round is logged and the next tick tries again.
 */
export interface RoundLog {
  error(obj: object, msg: string): void;
}

export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly round: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly log: RoundLog,
    /** What the log line says failed, e.g. "retention". */
    private readonly name: string,
  ) {}

  /** Starts ticking; with `now`, the first round runs at once instead of after one interval. */
  start({ now = false } = {}) {
    const tick = () => {
      if (this.running) return;
      this.running = this.round()
        .catch((err) => this.log.error({ err }, `${this.name} failed`))
        .finally(() => (this.running = undefined));
    };
    if (now) tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  async stop() {
    clearInterval(this.timer);
    await this.running;
  }
}
