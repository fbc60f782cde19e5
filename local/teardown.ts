/** Stopping what the sandbox started: in reverse order, each step at most once, and pauses cut short. */

export class Teardown {
  private readonly steps: (() => Promise<void> | void)[] = [];
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private done?: Promise<void>;
  stopping = false;

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  /** A pause that ends early when the sandbox stops. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((wake) => {
      const sleeper = { timer: setTimeout(() => (this.sleepers.delete(sleeper), wake()), ms), wake };
      this.sleepers.add(sleeper);
    });
  }

  run(): Promise<void> {
    this.stopping = true;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.done ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch {
          // Keep stopping the rest: one failed close must not leave other servers open.
        }
      }
    })();
    return this.done;
  }
}
