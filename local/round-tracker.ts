/**
 * Follows one round for the sandbox's reports: each stage opening and ending, who was asked in
 * which stage, and each decision as the store took it.
 *
 * Everything it reports goes through one queue, so the events come out in the order a reader
 * needs, whatever order the parts of the sandbox notice things in: a stage opens before its
 * approvers are asked; its decisions are read back from the record before its end is reported;
 * its end comes before the next stage opens. Decisions are read back after anything that may
 * have recorded one, one read at a time, so each is reported once, in the order the store took
 * them. Reading the store never throws out of here: once the sandbox stops, the store may be gone.
 */
import type { RequestRecord } from "../core/model";
import { stageOutcomeOf } from "../core/quorum";
import type { WorkflowSettings } from "../core/settings";
import type { ApproverAsked, DecisionArrived, SandboxEvent } from "./round-events";

export class RoundTracker {
  readonly asked: ApproverAsked[] = [];
  readonly decisions: DecisionArrived[] = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly stageWaiters = new Map<number, ((asked: ApproverAsked[]) => void)[]>();
  private readonly stagesAsked = new Set<number>();
  private readonly stagesEnded = new Set<number>();
  private ended = false;

  constructor(
    private readonly settings: WorkflowSettings,
    private readonly emit: (event: SandboxEvent) => void,
    private readonly readRequest: () => Promise<RequestRecord | undefined>,
  ) {}

  /** The stage's Parallel state was entered. */
  stageOpened(stage: number): Promise<void> {
    return this.enqueue(() => {
      const { name } = this.settings.stages[stage];
      this.emit({ type: "stageOpened", stage, name, count: this.settings.stages.length });
    });
  }

  /** The stage's Parallel state ended (once; later calls do nothing). */
  stageEnded(stage: number): Promise<void> {
    if (this.stagesEnded.has(stage)) return this.queue;
    this.stagesEnded.add(stage);
    return this.enqueue(async () => {
      const record = await this.readDecisions();
      const stored = record?.stages[stage];
      const outcome = stored === undefined ? undefined : stageOutcomeOf(stored);
      const { name } = this.settings.stages[stage];
      const count = this.settings.stages.length;
      this.emit({ type: "stageEnded", stage, name, count, ...(outcome === undefined ? {} : { outcome }) });
    });
  }

  markAsked(entry: ApproverAsked): Promise<void> {
    return this.enqueue(() => {
      this.asked.push(entry);
      this.emit({ type: "asked", ...entry });
      this.checkStage(entry.stage);
    });
  }

  /** Reports an event in its turn, after everything queued before it; false once the round ended. */
  report(event: SandboxEvent): boolean {
    if (this.ended) return false;
    void this.enqueue(() => this.emit(event));
    return true;
  }

  /** Reads the record and reports the votes not reported yet. */
  refreshDecisions(): Promise<void> {
    return this.enqueue(async () => void (await this.readDecisions()));
  }

  /** Every approver of the stage asked, or their part already over; in config order. */
  whenStageAsked(stage: number): Promise<ApproverAsked[]> {
    if (stage < 0 || stage >= this.settings.stages.length)
      return Promise.reject(new RangeError(`the round has no stage ${stage}`));
    if (this.stagesAsked.has(stage) || this.ended) return Promise.resolve(this.askedIn(stage));
    return new Promise((resolve) => this.stageWaiters.set(stage, [...(this.stageWaiters.get(stage) ?? []), resolve]));
  }

  /** The round ended: what is queued is reported, whoever waits for a stage gets what there is, and nothing more is reported. */
  end(): Promise<void> {
    return this.enqueue(() => {
      this.ended = true;
      for (const stage of [...this.stageWaiters.keys()]) this.settle(stage);
    });
  }

  private enqueue(step: () => Promise<void> | void): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (this.ended) return;
      try {
        await step();
      } catch {
        // A failed read (the store already stopped) reports nothing; the next step still runs.
      }
    });
    return this.queue;
  }

  private async readDecisions(): Promise<RequestRecord | undefined> {
    const record = await this.readRequest().catch(() => undefined);
    if (!record) return undefined;
    const fresh = record.stages.flatMap((stage, index) =>
      Object.entries(stage.votes)
        .filter(([approver]) => !this.decisions.some((d) => d.stage === index && d.approver === approver))
        .map(([approver, vote]) => ({ stage: index, stageName: stage.name, approver, vote })),
    );
    for (const decision of fresh.sort((a, b) => a.vote.decidedAt.localeCompare(b.vote.decidedAt))) {
      this.decisions.push(decision);
      this.emit({ type: "decision", ...decision });
      this.checkStage(decision.stage);
    }
    return record;
  }

  private askedIn(stage: number): ApproverAsked[] {
    return this.settings.stages[stage].approvers.flatMap((a) =>
      this.asked.filter((e) => e.stage === stage && e.approver === a.name),
    );
  }

  private checkStage(stage: number): void {
    if (this.stagesAsked.has(stage)) return;
    const done = this.settings.stages[stage].approvers.every(
      (a) =>
        this.asked.some((e) => e.stage === stage && e.approver === a.name) ||
        this.decisions.some((d) => d.stage === stage && d.approver === a.name),
    );
    if (!done) return;
    this.stagesAsked.add(stage);
    this.emit({ type: "stageAsked", stage, name: this.settings.stages[stage].name, asked: this.askedIn(stage) });
    this.settle(stage);
  }

  private settle(stage: number): void {
    const asked = this.askedIn(stage);
    for (const resolve of this.stageWaiters.get(stage) ?? []) resolve(asked);
    this.stageWaiters.delete(stage);
  }
}
