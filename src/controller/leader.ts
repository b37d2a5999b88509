// Leader election on a coordination.k8s.io Lease, as kube-controller-manager does it: the leader
// renews the Lease every few seconds; a candidate takes it over only once the holder has failed to
// renew for a whole lease duration. Updates use the Lease's resourceVersion, so when two
// candidates race, the apiserver lets exactly one write win. A leader that cannot renew before
// its lease runs out stops acting at once (it may be partitioned, and someone else may lead).
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../core/objects.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";

export interface LeaderOptions {
  namespace: string;
  name: string;
  /** This replica's identity (hostname + pid by default at the call site). */
  identity: string;
  /** How long a lease is valid without renewal; default 15 s. */
  leaseDurationMs?: number;
  /** How often the leader renews (and candidates retry); default 2 s. */
  retryPeriodMs?: number;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

function microTime(date: Date): string {
  // Lease times are MicroTime: RFC 3339 with microseconds.
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly options: Required<LeaderOptions>;
  private leading = false;

  constructor(client: KubeClient, options: LeaderOptions) {
    this.client = client;
    this.options = { leaseDurationMs: 15_000, retryPeriodMs: 2_000, ...options };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until the signal aborts: calls onStart when this replica becomes leader and onStop
   * when it loses the lease. On abort a leader releases the lease so another can take over at once.
   */
  async run(signal: AbortSignal, callbacks: { onStart: () => void; onStop: () => void }): Promise<void> {
    let lastRenew = 0;
    while (!signal.aborted) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch {
        ok = false;
      }
      const now = Date.now();
      if (ok) {
        lastRenew = now;
        if (!this.leading) {
          this.leading = true;
          callbacks.onStart();
        }
      } else if (this.leading && now - lastRenew > this.options.leaseDurationMs) {
        this.leading = false;
        callbacks.onStop();
      } else if (this.leading && !ok) {
        // Someone else holds it now (our renew was refused): step down at once.
        const holder = await this.currentHolder().catch(() => this.options.identity);
        if (holder !== this.options.identity) {
          this.leading = false;
          callbacks.onStop();
        }
      }
      await sleep(this.options.retryPeriodMs, undefined, { signal }).catch(() => {});
    }
    if (this.leading) {
      this.leading = false;
      await this.release().catch(() => {});
      callbacks.onStop();
    }
  }

  private async currentHolder(): Promise<string | undefined> {
    const lease = (await this.client.get(
      "coordination.k8s.io/v1",
      "Lease",
      this.options.namespace,
      this.options.name,
    )) as Lease | null;
    return lease?.spec?.holderIdentity;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = new Date();
    const lease = (await this.client.get("coordination.k8s.io/v1", "Lease", namespace, name)) as Lease | null;
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.options.leaseDurationMs / 1000),
      renewTime: microTime(now),
    };
    if (!lease) {
      try {
        await this.client.create({
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace },
          spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
        });
        return true;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 409) return false;
        throw err;
      }
    }
    const current = lease.spec ?? {};
    const held = current.holderIdentity && current.holderIdentity !== identity;
    if (held) {
      const renewed = Date.parse(current.renewTime ?? "") || 0;
      const duration = (current.leaseDurationSeconds ?? 15) * 1000;
      if (now.getTime() < renewed + duration) return false;
    }
    const takingOver = current.holderIdentity !== identity;
    const next: Lease = {
      ...lease,
      spec: {
        ...current,
        ...spec,
        acquireTime: takingOver ? microTime(now) : (current.acquireTime ?? microTime(now)),
        leaseTransitions: (current.leaseTransitions ?? 0) + (takingOver && current.holderIdentity ? 1 : 0),
      },
    };
    try {
      await this.client.replace(next);
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) return false;
      throw err;
    }
  }

  /** Gives the lease up (holder cleared, expired), so a standby takes over without waiting. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    const lease = (await this.client.get("coordination.k8s.io/v1", "Lease", namespace, name)) as Lease | null;
    if (!lease || lease.spec?.holderIdentity !== identity) return;
    await this.client.replace({
      ...lease,
      spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(new Date(0)) },
    });
  }
}
