/**
 * Follows one round for the sandbox's reports: who was asked in which stage, and each decision as
 * the store took it. Decisions are read back from the record after anything that may have
 * recorded one, one read at a time, so each is reported once and in the order the store took them.
 */
import type { RequestRecord } from "../core/model";
import type { WorkflowSettings } from "../core/settings";
import type { ApproverAsked, DecisionArrived, SandboxEvent } from "./round-events";

export class RoundTracker {
  readonly asked: ApproverAsked[] = [];
  readonly decisions: DecisionArrived[] = [];
  private refreshing = Promise.resolve();
  private readonly stageWaiters = new Map<number, ((asked: ApproverAsked[]) => void)[]>();
  private readonly stagesAsked = new Set<number>();
  private ended = false;

  constructor(
    private readonly settings: WorkflowSettings,
    private readonly emit: (event: SandboxEvent) => void,
    private readonly readRequest: () => Promise<RequestRecord | undefined>,
  ) {}

  markAsked(entry: ApproverAsked): void {
    this.asked.push(entry);
    this.emit({ type: "asked", ...entry });
    this.checkStage(entry.stage);
  }

  /** Reads the record and reports the votes not reported yet. */
  refreshDecisions(): Promise<void> {
    this.refreshing = this.refreshing.then(async () => {
      const record = await this.readRequest().catch(() => undefined);
      if (!record) return;
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
    });
    return this.refreshing;
  }

  /** Every approver of the stage asked, or their part already over; in config order. */
  whenStageAsked(stage: number): Promise<ApproverAsked[]> {
    if (this.stagesAsked.has(stage) || this.ended) return Promise.resolve(this.askedIn(stage));
    return new Promise((resolve) => this.stageWaiters.set(stage, [...(this.stageWaiters.get(stage) ?? []), resolve]));
  }

  /** The round ended: whoever waits for a stage gets what there is. */
  end(): void {
    this.ended = true;
    for (const stage of this.stageWaiters.keys()) this.settle(stage);
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
