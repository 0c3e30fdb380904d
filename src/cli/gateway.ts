import cluster from 'node:cluster';
import { type FSWatcher, watch } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { AggregatorRegistry } from 'prom-client';
import { type LoadedConfig, loadConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import type { AccessRecord } from '../gateway/handler.ts';
import { compilePlan, type Plan } from '../gateway/plan.ts';
import { type Gateway, startGateway } from '../gateway/server.ts';
import { OpenApiError } from '../openapi/load.ts';
import { startAdminServer } from '../platform/admin.ts';
import { openAdminApi } from '../platform/admin-api.ts';
import { createAnomalyEngine } from '../platform/anomaly/engine.ts';
import { planTemplates } from '../platform/anomaly/templates.ts';
import { createDiscoveryRecorder } from '../platform/discovery/recorder.ts';
import { createEventRecorder } from '../platform/events/recorder.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import { createMetrics } from '../platform/metrics.ts';
import { createTracing, type Tracing } from '../platform/telemetry/tracing.ts';
import { POLICY_FACTORIES } from '../policies/registry.ts';
import { closeServices, createServices, type PolicyServices } from '../policies/services.ts';
import { watchStateFailures } from '../state/failure-watch.ts';
import { loadStoreKeys } from '../store/store-keys.ts';
import { intOption, parseCommandArgs } from './args.ts';
import { type Command, type CommandIO, EXIT } from './command.ts';

/** `rampart gateway`: run the reverse proxy. */
export const gatewayCommand: Command = {
  name: 'gateway',
  summary: 'run the API gateway in front of the upstreams a config names',
  help: `Usage: rampart gateway [--config rampart.yaml] [--watch] [--workers N]

Runs the gateway: every request is normalized, routed against the OpenAPI documents (undeclared
operations are refused with 404), checked by the route's policies and proxied to its upstream.

Options:
  -c, --config <file>  config file (default: rampart.yaml)
  -w, --watch          reload when the config or an OpenAPI document changes
      --workers <n>    run n worker processes sharing the listeners (default 1; "auto" = one per core)
  -h, --help           show this help

Signals: SIGTERM/SIGINT stop accepting, drain in-flight requests (shutdownTimeoutMs), exit 0.
SIGHUP reloads the config; an invalid new config is logged and the running one keeps serving.

Exit codes: 0 stopped cleanly, 2 invalid config or document, 70 internal error.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      config: { type: 'string', short: 'c', default: 'rampart.yaml' },
      watch: { type: 'boolean', short: 'w', default: false },
      workers: { type: 'string', default: '1' },
    });
    const workers =
      values.workers === 'auto'
        ? availableParallelism()
        : (intOption('workers', values.workers, 1, 256) ?? 1);
    const file = resolve(io.cwd, values.config);
    return runGateway({ file, watch: values.watch, workers, io });
  },
};

interface RunOptions {
  readonly file: string;
  readonly watch: boolean;
  readonly workers: number;
  readonly io: CommandIO;
  /** Env used for ${VAR} substitution (defaults to io.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Called once the gateway listens (the demo prints its URLs here). */
  readonly onListening?: (gateway: Gateway) => void;
}

async function loadPlan(
  file: string,
  env: NodeJS.ProcessEnv,
  services?: PolicyServices,
  tracing?: Tracing,
): Promise<Plan> {
  const loaded: LoadedConfig = await loadConfig(file, env);
  return compilePlan(loaded, {
    ...(services === undefined ? {} : { services }),
    // tracing wraps each policy entry at compile time; without it the plan holds the bare entries
    ...(tracing === undefined ? {} : { factories: tracing.factories(POLICY_FACTORIES) }),
  });
}

function isConfigError(err: unknown): err is Error {
  return err instanceof ConfigError || err instanceof OpenApiError;
}

/** Run the gateway until a stop signal; returns the exit code. */
export async function runGateway(options: RunOptions): Promise<number> {
  const env = options.env ?? options.io.env;
  let plan: Plan;
  try {
    plan = await loadPlan(options.file, env);
  } catch (err) {
    if (isConfigError(err)) {
      options.io.stderr.write(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const logger = createLogger({ level: plan.config.log.level, redact: plan.config.log.redact });
  if (options.workers > 1 && cluster.isPrimary) return runPrimary(plan, options, logger);
  try {
    return await runWorker(plan, options, logger, env);
  } catch (err) {
    // services are built here (e.g. a malformed state.url): a config mistake, not an internal error
    if (isConfigError(err)) {
      options.io.stderr.write(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

async function runWorker(
  plan: Plan,
  options: RunOptions,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const metrics = createMetrics();
  // fail-open limits stay visible: a rate-limited warning and rampart_state_failures_total{mode}
  const unwatchState = watchStateFailures(logger, metrics.stateFailures);
  const inCluster = cluster.isWorker;
  // services (shared state, store) live as long as the process; a reload recompiles against them
  const services = await createServices(plan.config, plan.loaded.dir);
  // off by default; turning it on or off takes a restart (a reload keeps the running tracer)
  const tracing = plan.config.telemetry.enabled ? createTracing(plan.config.telemetry, logger) : undefined;
  plan = await compilePlan(plan.loaded, {
    services,
    ...(tracing === undefined ? {} : { factories: tracing.factories(POLICY_FACTORIES) }),
  });
  if (inCluster) {
    // constructing one installs prom-client's worker-side listener that answers the primary
    AggregatorRegistry.setRegistries([metrics.registry]);
    new AggregatorRegistry();
  }
  // data-at-rest keys come from the environment or a key file, never the store; production refuses none
  const atRest =
    plan.config.events.enabled || plan.config.events.discovery.enabled
      ? loadStoreKeys({
          env,
          keyFile: plan.config.events.keyFile,
          baseDir: plan.loaded.dir,
          production: plan.config.production,
        })
      : undefined;
  for (const warning of atRest?.warnings ?? []) logger.warn({ msg: warning });
  const events = plan.config.events.enabled
    ? await createEventRecorder(
        plan.config.events,
        plan.loaded.dir,
        metrics.registry,
        (err) => logger.error({ msg: 'security events not written', error: (err as Error).message }),
        atRest,
      )
    : undefined;
  const discovery = plan.config.events.discovery.enabled
    ? await createDiscoveryRecorder(
        plan.config.events.discovery,
        plan.config.events.store,
        plan.loaded.dir,
        (err) => logger.error({ msg: 'inventory not saved', error: (err as Error).message }),
        {
          cipher: atRest?.cipher,
          onUnreadable: (reason) => logger.warn({ msg: 'inventory row not readable, skipped', reason }),
        },
      )
    : undefined;
  // without events, detections and responses still happen and are logged (warn)
  const anomaly = plan.config.anomaly.enabled
    ? createAnomalyEngine(plan.config.anomaly, {
        state: services.state,
        keys: services.auth?.keys,
        events: events?.writer,
        logger,
        templates: planTemplates(() => gateway.state.plan),
        registry: metrics.registry,
      })
    : undefined;
  const onRecord =
    events === undefined && discovery === undefined && anomaly === undefined
      ? undefined
      : (record: AccessRecord) => {
          events?.onRecord(record);
          discovery?.onRecord(record);
          anomaly?.onRecord(record);
        };
  let gateway: Gateway;
  try {
    gateway = await startGateway(plan, {
      logger,
      metrics,
      admin: !inCluster,
      services,
      ...(onRecord === undefined ? {} : { onRecord }),
      ...(discovery === undefined ? {} : { inventory: () => discovery.inventory.endpoints() }),
      env,
      ...(tracing === undefined ? {} : { instrument: tracing }),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
      options.io.stderr.write(`error: cannot listen: ${e.code} (${e.message})\n`);
      return EXIT.usage;
    }
    throw err;
  }
  for (const warning of plan.warnings) logger.warn({ msg: warning });
  logger.info({
    msg: 'gateway listening',
    listeners: gateway.listeners.map((l) => l.url),
    admin: gateway.admin?.url,
    routes: plan.routes.length,
  });
  options.onListening?.(gateway);

  let reloading = Promise.resolve();
  const reload = (why: string) => {
    reloading = reloading.then(async () => {
      try {
        const next = await loadPlan(options.file, env, services, tracing);
        await gateway.reload(next);
        metrics.reloads.inc({ result: 'success' });
        logger.info({ msg: 'config reloaded', why, routes: next.routes.length });
      } catch (err) {
        metrics.reloads.inc({ result: 'failure' });
        logger.error({
          msg: 'config reload failed; the running config keeps serving',
          why,
          error: (err as Error).message,
        });
      }
    });
  };

  const watchers: FSWatcher[] = [];
  if (options.watch) {
    let timer: NodeJS.Timeout | undefined;
    const files = [options.file, ...plan.apis.map((a) => a.document.file)];
    for (const f of new Set(files)) {
      try {
        watchers.push(
          watch(f, () => {
            clearTimeout(timer);
            timer = setTimeout(() => reload(`changed: ${f}`), 150);
          }),
        );
      } catch (err) {
        logger.warn({ msg: 'cannot watch file', file: f, error: (err as Error).message });
      }
    }
  }

  return new Promise<number>((done) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      for (const w of watchers) w.close();
      logger.info({ msg: 'stopping: draining in-flight requests', signal });
      const { drained } = await gateway.close();
      await anomaly?.close();
      await events?.close();
      await discovery?.close();
      // the spans of the drained requests leave before exit
      await tracing?.shutdown();
      await closeServices(services);
      unwatchState();
      logger.info({ msg: 'stopped', drained });
      process.off('SIGHUP', onHup);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      done(EXIT.ok);
    };
    const onHup = () => reload('SIGHUP');
    const onTerm = () => void stop('SIGTERM');
    const onInt = () => void stop('SIGINT');
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    if (inCluster) {
      process.on('message', (m: unknown) => {
        if (m === 'rampart:reload') reload('primary');
        if (m === 'rampart:stop') void stop('primary');
      });
    }
  });
}

async function runPrimary(plan: Plan, options: RunOptions, logger: Logger): Promise<number> {
  const aggregator = new AggregatorRegistry();
  let listening = 0;
  let stopping = false;
  const admin = plan.config.admin.enabled
    ? await startAdminServer(plan.config.admin.host, plan.config.admin.port, {
        metrics: async () => ({
          contentType: aggregator.contentType,
          body: await await aggregator.clusterMetrics(),
        }),
        ready: () => !stopping && listening >= options.workers,
        api: await openAdminApi(plan.config, plan.loaded.dir, logger, {
          plan: () => plan,
          env: options.env ?? options.io.env,
        }),
      })
    : undefined;
  const fork = () => cluster.fork({ RAMPART_WORKER: '1' });
  cluster.on('listening', () => {
    listening++;
  });
  cluster.on('exit', (worker, code, signal) => {
    listening = Math.max(0, listening - 1);
    if (!stopping) {
      logger.error({ msg: 'worker exited; starting another', pid: worker.process.pid, code, signal });
      setTimeout(fork, 500).unref();
    }
  });
  for (let i = 0; i < options.workers; i++) fork();
  logger.info({ msg: 'primary started', workers: options.workers, admin: admin?.url });

  return new Promise<number>((done) => {
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      const exits = Object.values(cluster.workers ?? {}).map(
        (w) =>
          new Promise<void>((r) => {
            if (w === undefined || w.isDead()) return r();
            w.once('exit', () => r());
            w.send('rampart:stop');
          }),
      );
      await Promise.all(exits);
      await admin?.close();
      done(EXIT.ok);
    };
    process.on('SIGTERM', () => void stop());
    process.on('SIGINT', () => void stop());
    process.on('SIGHUP', () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.send('rampart:reload');
    });
  });
}
