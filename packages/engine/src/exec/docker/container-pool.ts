import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type Dockerode from 'dockerode';
import { type Clock, systemClock } from '../../clock.js';
import { buildPooledContainerOptions } from './build-container-options.js';
import { removeContainer } from './container-files.js';
import { formatOwner, LABEL, sanitizeLabelValue } from './labels.js';
import { removeNetworkPatiently } from './networks.js';
import { planRefill } from './plan-refill.js';
import type { PoolSlot } from './pool-slot.js';

export interface ContainerPoolOptions {
  docker: Dockerode;
  /** Containers kept started per slot (image, workdir, limits) a job has asked for. */
  size: number;
  /** Added to every pooled container (e.g. the runner's name); Ferry's own labels win on a clash. */
  labels?: Record<string, string>;
  /** Recorded in `ferry.owner` so the reaper removes the pool once this process is gone. */
  ownerPid?: number;
  ownerHost?: string;
  /** Container starts in flight at once, over all slots (default 2). */
  maxStarting?: number;
  /** Slots kept (default 4); a new one evicts the least recently used, its idle containers removed. */
  maxSlots?: number;
  /**
   * When a taken container is replaced: `release` (default) once the job's container is discarded, so that the
   * start does not compete with the job for the CPU (a job that finds its slot empty starts its own container, and
   * the slot refills); `take` at once, so that the replacement is ready sooner for a burst of jobs.
   */
  refillOn?: 'take' | 'release';
  /** After a failed start, the slot is not refilled for this long (default 30 s). */
  retryAfterMs?: number;
  /**
   * While a run is open (runOpened), removals and refills wait until no run is open, or at most this long (default
   * 5 s), so that they do not take the engine from the run's steps. 0: never wait.
   */
  deferMs?: number;
  clock?: Clock;
}

/** A started container no job has used. */
export interface PooledContainer {
  id: string;
  name: string;
  /** The image's id when the container was created: a retagged image makes it stale. */
  imageId: string;
  /** The image's USER (Config.User), '' for root. */
  user: string;
}

interface Slot {
  spec: PoolSlot;
  idle: PooledContainer[];
  starting: number;
  usedAt: number;
  failedAt?: number;
  /** Settled whenever a start of this slot settles; warm() waits on it. */
  changed: Promise<void>;
  notify: () => void;
}

/**
 * Pre-started job containers, per slot, and pre-created run networks, for a long-lived process. A container is
 * created generic (no env, no job labels) and started ahead of time on the pool's own network, whose containers
 * cannot reach one another (inter-container traffic off); a job takes it (take) and joins its run's network, and it
 * is never given back: the executor removes it after the job (discard), off the job's clock, and the pool starts a
 * replacement. A run takes a network the same way (takeNetwork, discardNetwork). Everything the pool creates carries
 * `ferry.pool` and `ferry.owner`, so the reaper removes it after this process died.
 *
 * Concurrency: take, warm and discard may be called at any time, also concurrently; close stops the refills,
 * removes the idle containers and waits for every start and removal in flight. Start failures are not thrown:
 * the slot then stays empty for retryAfterMs (a job goes unpooled and reports its own error).
 */
export class ContainerPool {
  readonly #docker: Dockerode;
  readonly #options: ContainerPoolOptions;
  readonly #clock: Clock;
  readonly #refillOnTake: boolean;
  readonly #deferMs: number;
  readonly #slots = new Map<string, Slot>();
  readonly #pending = new Set<Promise<void>>();
  #startingAll = 0;
  #closed = false;
  /** The network pooled containers idle on, made with the first of them. */
  #idleNetwork: Promise<string> | undefined;
  readonly #networks: string[] = [];
  #networksStarting = 0;
  #openRuns = 0;
  /** Background work waiting for the open runs to close (or for deferMs). */
  #deferred: Array<() => void> = [];
  #refillDeferred = false;

  constructor(options: ContainerPoolOptions) {
    this.#docker = options.docker;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#refillOnTake = options.refillOn === 'take';
    this.#deferMs = options.deferMs ?? 5000;
  }

  get size(): number {
    return this.#options.size;
  }

  /** Idle containers per slot key. */
  idle(): Record<string, number> {
    return Object.fromEntries([...this.#slots].map(([key, slot]) => [key, slot.idle.length]));
  }

  /**
   * A started container of the slot, or undefined (none ready, or the image is missing: the job goes unpooled).
   * Containers of an image that was retagged since they were created are removed instead. Refills the slot.
   */
  async take(spec: PoolSlot): Promise<PooledContainer | undefined> {
    if (this.#closed || this.#options.size <= 0) return undefined;
    const slot = this.#slot(spec);
    slot.usedAt = this.#clock.now();
    let taken: PooledContainer | undefined;
    if (slot.idle.length > 0) {
      const imageId = await this.#imageId(spec.image);
      const stale = slot.idle.filter((container) => container.imageId !== imageId);
      for (const container of stale) void this.discard(container.id);
      slot.idle = slot.idle.filter((container) => container.imageId === imageId);
      taken = slot.idle.shift();
    }
    // An empty slot refills at once (its job goes unpooled anyway); a replacement waits for the open runs.
    if (!taken) this.#refillNow();
    else if (this.#refillOnTake) this.#refill();
    return taken;
  }

  /** Starts the slot's containers and resolves once `count` (default: the pool's size) are ready or a start failed. */
  async warm(spec: PoolSlot, count = this.#options.size): Promise<void> {
    const slot = this.#slot(spec);
    slot.usedAt = this.#clock.now();
    slot.failedAt = undefined;
    for (;;) {
      this.#refillNow();
      if (this.#closed || slot.idle.length >= Math.min(count, this.#options.size) || slot.failedAt !== undefined)
        return;
      await slot.changed;
    }
  }

  /**
   * Marks a run open until the returned call: the pool's removals and refills wait meanwhile (up to deferMs), as a
   * container's removal or start costs the engine more than a step's exec does.
   */
  runOpened(): () => void {
    this.#openRuns += 1;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.#openRuns -= 1;
      if (this.#openRuns === 0) this.#flush();
    };
  }

  /** Removes a container in the background (the pool's close waits for it); the promise never rejects. */
  discard(id: string): Promise<void> {
    const removal = this.#quiet()
      .then(() => removeContainer(this.#docker, id))
      .catch(() => undefined);
    this.#track(removal);
    if (!this.#refillOnTake) this.#refill();
    return removal;
  }

  /** A created network for a run, or undefined when none is ready (the run creates its own). Refills. */
  takeNetwork(): string | undefined {
    if (this.#closed || this.#options.size <= 0) return undefined;
    const network = this.#networks.shift();
    if (network === undefined || this.#refillOnTake) this.#refill();
    return network;
  }

  /**
   * Removes a network in the background once `after` settled (the removals of its containers: the engine can lose
   * count of a network's endpoints when a container is removed while being disconnected); never rejects.
   */
  discardNetwork(name: string, after: Promise<unknown>[] = []): void {
    this.#track(
      Promise.allSettled(after)
        .then(() => removeNetworkPatiently(this.#docker, name))
        .then(
          () => undefined,
          () => undefined,
        ),
    );
    if (!this.#refillOnTake) this.#refill();
  }

  /** Waits for every start and removal in flight. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Stops refilling, removes the idle containers, waits for what is in flight; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#flush();
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    for (const slot of slots) this.#evict(slot);
    for (const network of this.#networks.splice(0)) this.discardNetwork(network);
    await this.settled();
    const idleNetwork = await this.#idleNetwork?.catch(() => undefined);
    this.#idleNetwork = undefined;
    if (idleNetwork !== undefined) await removeNetworkPatiently(this.#docker, idleNetwork).catch(() => undefined);
  }

  #slot(spec: PoolSlot): Slot {
    let slot = this.#slots.get(spec.key);
    if (slot) return slot;
    const maxSlots = this.#options.maxSlots ?? 4;
    while (this.#slots.size >= maxSlots) {
      const oldest = [...this.#slots.values()].reduce((a, b) => (b.usedAt < a.usedAt ? b : a));
      // Out of the map first: the refill an eviction may set off must not start containers for it.
      this.#slots.delete(oldest.spec.key);
      this.#evict(oldest);
    }
    let notify = () => undefined as void;
    slot = {
      spec,
      idle: [],
      starting: 0,
      usedAt: this.#clock.now(),
      changed: new Promise<void>((resolve) => (notify = resolve)),
      notify: () => notify(),
    };
    this.#slots.set(spec.key, slot);
    return slot;
  }

  #evict(slot: Slot): void {
    for (const container of slot.idle) void this.discard(container.id);
    slot.idle = [];
    slot.notify();
  }

  /** Refills now when no run is open, else once the open runs close (or deferMs passed). */
  #refill(): void {
    if (this.#closed) return;
    if (this.#openRuns === 0 || this.#deferMs <= 0) return this.#refillNow();
    if (this.#refillDeferred) return;
    this.#refillDeferred = true;
    void this.#quiet().then(() => {
      this.#refillDeferred = false;
      // Now, even with runs still open after deferMs: a runner that is never idle must refill too.
      this.#refillNow();
    });
  }

  /** Resolves at once when no run is open (or the pool closed), else when they close or after deferMs. */
  #quiet(): Promise<void> {
    if (this.#openRuns === 0 || this.#closed || this.#deferMs <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let done = false;
      const release = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(release, this.#deferMs);
      timer.unref?.();
      this.#deferred.push(release);
    });
  }

  #flush(): void {
    for (const release of this.#deferred.splice(0)) release();
  }

  #refillNow(): void {
    if (this.#closed) return;
    const networks = this.#options.size - this.#networks.length - this.#networksStarting;
    for (let i = 0; i < networks; i++) this.#createNetwork();
    const retryAfterMs = this.#options.retryAfterMs ?? 30_000;
    const slots = [...this.#slots.values()].sort((a, b) => b.usedAt - a.usedAt);
    for (const slot of slots) {
      if (slot.failedAt !== undefined && this.#clock.now() - slot.failedAt < retryAfterMs) continue;
      const count = planRefill({
        size: this.#options.size,
        idle: slot.idle.length,
        starting: slot.starting,
        startingAll: this.#startingAll,
        maxStarting: this.#options.maxStarting ?? 2,
      });
      for (let i = 0; i < count; i++) this.#startOne(slot);
    }
  }

  #startOne(slot: Slot): void {
    slot.starting += 1;
    this.#startingAll += 1;
    const started = this.#start(slot.spec).then(
      (container) => {
        if (this.#closed || this.#slots.get(slot.spec.key) !== slot) void this.discard(container.id);
        else slot.idle.push(container);
      },
      () => {
        slot.failedAt = this.#clock.now();
      },
    );
    this.#track(
      started.finally(() => {
        slot.starting -= 1;
        this.#startingAll -= 1;
        const notify = slot.notify;
        slot.changed = new Promise<void>((resolve) => (slot.notify = resolve));
        notify();
        this.#refill();
      }),
    );
  }

  #createNetwork(): void {
    this.#networksStarting += 1;
    const name = `ferry-pool-net-${randomBytes(6).toString('hex')}`;
    const created = this.#docker
      .createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: this.#labels('network') })
      .then(
        () => {
          if (this.#closed) this.discardNetwork(name);
          else this.#networks.push(name);
        },
        () => this.discardNetwork(name),
      );
    this.#track(created.finally(() => (this.#networksStarting -= 1)));
  }

  /** The network pooled containers idle on; no two of them can reach each other on it. */
  #idle(): Promise<string> {
    if (!this.#idleNetwork) {
      const name = `ferry-pool-idle-${randomBytes(6).toString('hex')}`;
      this.#idleNetwork = this.#docker
        .createNetwork({
          Name: name,
          Driver: 'bridge',
          CheckDuplicate: true,
          Options: { 'com.docker.network.bridge.enable_icc': 'false' },
          Labels: this.#labels('idle'),
        })
        .then(() => name);
      // A failure is every start's failure; the next start tries again.
      this.#idleNetwork.catch(() => (this.#idleNetwork = undefined));
    }
    return this.#idleNetwork;
  }

  #labels(what: string): Record<string, string> {
    return {
      ...this.#options.labels,
      [LABEL.pool]: sanitizeLabelValue(what),
      [LABEL.owner]: formatOwner(this.#options.ownerHost ?? hostname(), this.#options.ownerPid ?? process.pid),
      [LABEL.created]: String(this.#clock.now()),
    };
  }

  async #start(spec: PoolSlot): Promise<PooledContainer> {
    const name = `ferry-pool-${randomBytes(6).toString('hex')}`;
    const labels = this.#labels(spec.image);
    let id: string | undefined;
    try {
      const network = await this.#idle();
      const container = await this.#docker.createContainer(
        buildPooledContainerOptions(spec, { name, labels, network }),
      );
      id = container.id;
      await container.start();
      const info = await container.inspect();
      return { id, name, imageId: info.Image, user: info.Config.User ?? '' };
    } catch (error) {
      // By name: the create may have happened even when its answer was lost.
      void this.discard(id ?? name);
      throw error;
    }
  }

  async #imageId(image: string): Promise<string | undefined> {
    try {
      return (await this.#docker.getImage(image).inspect()).Id;
    } catch {
      return undefined;
    }
  }

  #track(work: Promise<void>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }
}
