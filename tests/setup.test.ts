import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadDatasets, type DatasetSpec } from '../src/assets/node/datasets.js';
import { loadModelsConfig } from '../src/models/node/config.js';
import { PROJECT_ROOT, defaultMirror } from '../src/common/node/paths.js';
import { runSetup, type SetupOptions, type SetupProgress } from '../src/assets/node/setup.js';
import type { HubSource, ModelFileSpec, ModelsConfig } from '../src/models/shared/manifest.js';
import { startHubServer, type HubServer } from './helpers/hub-server.js';
import { sha256Hex } from '../src/common/node/checksum.js';

/** Compared by hash: vitest's deep equality on big buffers takes seconds. */
const fileHash = async (path: string): Promise<string> => sha256Hex(await readFile(path));
const pin = (bytes: Uint8Array): ModelFileSpec => ({ bytes: bytes.length, sha256: sha256Hex(bytes) });
const UNPINNED: ModelFileSpec = { bytes: null, sha256: null };

const WEIGHTS = randomBytes(300_000);
const CONFIG_JSON = Buffer.from('{"hidden_size": 4}\n');

/** A one-model config whose profile "tiny" uses the model `tiny`, found in mirrors under models/tiny. */
function tinyModels(files: Record<string, ModelFileSpec>, hub: HubSource | null): ModelsConfig {
  const preprocess = { resizeShortestEdge: 4, resample: 'bilinear', cropSize: 4, mean: [0, 0, 0], std: [1, 1, 1] } as const;
  return {
    profiles: {
      tiny: { description: 'test', imageSemantic: 'tiny/image', textSemantic: 'tiny/text', visual: 'tiny/image' },
    },
    models: {
      tiny: {
        mirror: 'models/tiny',
        hub,
        files,
        encoders: {
          image: { kind: 'image', file: 'onnx/model.onnx', input: null, output: null, dim: 4, preprocess },
          text: {
            kind: 'text',
            file: 'onnx/model.onnx',
            tokenizer: 'tokenizer.json',
            tokenizerConfig: 'tokenizer_config.json',
            inputIds: 'input_ids',
            attentionMask: null,
            output: 'text_embeds',
            maxLength: 77,
            dim: 4,
            logitScale: 100,
          },
        },
      },
    },
  };
}

function recordingProgress(): SetupProgress & { warnings: string[]; files: Map<string, [number, number | null]>; counts: Map<string, [number, number]> } {
  const warnings: string[] = [];
  const files = new Map<string, [number, number | null]>();
  const counts = new Map<string, [number, number]>();
  return {
    warnings,
    files,
    counts,
    file: (path, received, total) => void files.set(path, [received, total]),
    count: (dataset, done, total) => void counts.set(dataset, [done, total]),
    warn: (message) => void warnings.push(message),
  };
}

let work: string;
let assets: string;
let hub: HubServer;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'vitrine-setup-'));
  assets = join(work, 'assets');
  hub = await startHubServer();
});

afterEach(async () => {
  await hub.close();
  await rm(work, { recursive: true, force: true });
});

function options(overrides: Partial<SetupOptions> & Pick<SetupOptions, 'models'>): SetupOptions {
  return {
    datasets: {},
    profile: 'tiny',
    datasetNames: [],
    assetsDir: assets,
    mirror: null,
    hubBase: hub.url,
    progress: recordingProgress(),
    ...overrides,
  };
}

async function writeTree(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

/** A two-file data set (mirror folder catalog/tiny-set) and its sha256sum-format checksum file; callers serve the files. */
async function tinyDataset() {
  const files = { 'styles.csv': Buffer.from('id,articleType\n1,Tshirts\n'), 'images/1.jpg': randomBytes(2000) };
  const checksums = join(work, 'tiny-set.sha256');
  await writeFile(checksums, Object.entries(files).map(([path, bytes]) => `${sha256Hex(bytes)}  ${path}\n`).join(''));
  const spec: DatasetSpec = { description: 'test', mirror: 'catalog/tiny-set', checksums, images: 'images', labels: 'styles.csv' };
  return { spec, files };
}

const modelFile = (file: string): string => join(assets, 'models/tiny', file);

describe('runSetup from the hub', () => {
  it('follows the resolve URL and its CDN redirect, and verifies what arrives', async () => {
    hub.addHubFile('acme/tiny', 'main', 'onnx/model.onnx', WEIGHTS);
    hub.addHubFile('acme/tiny', 'main', 'config.json', CONFIG_JSON);
    const progress = recordingProgress();
    const models = tinyModels({ 'onnx/model.onnx': pin(WEIGHTS), 'config.json': pin(CONFIG_JSON) }, { repo: 'acme/tiny', revision: 'main' });

    const report = await runSetup(options({ models, progress }));

    expect(await fileHash(modelFile('onnx/model.onnx'))).toBe(sha256Hex(WEIGHTS));
    expect(await fileHash(modelFile('config.json'))).toBe(sha256Hex(CONFIG_JSON));
    expect(report).toMatchObject({ fetched: 2, present: 0, bytes: WEIGHTS.length + CONFIG_JSON.length });
    expect(hub.requests.slice(0, 2)).toEqual([
      { path: '/acme/tiny/resolve/main/onnx/model.onnx', status: 302 },
      { path: '/cdn/0', status: 200 },
    ]);
    expect(progress.files.get('models/tiny/onnx/model.onnx')).toEqual([WEIGHTS.length, WEIGHTS.length]);
  });

  it('takes a file from the mirror when it has it and from the hub otherwise', async () => {
    const mirror = join(work, 'mirror');
    await writeTree(mirror, { 'models/tiny/config.json': CONFIG_JSON });
    hub.addHubFile('acme/tiny', 'v1', 'onnx/model.onnx', WEIGHTS);
    const models = tinyModels({ 'onnx/model.onnx': pin(WEIGHTS), 'config.json': pin(CONFIG_JSON) }, { repo: 'acme/tiny', revision: 'v1' });

    await runSetup(options({ models, mirror }));

    expect(await fileHash(modelFile('config.json'))).toBe(sha256Hex(CONFIG_JSON));
    expect(await fileHash(modelFile('onnx/model.onnx'))).toBe(sha256Hex(WEIGHTS));
    expect(hub.requests.map((request) => request.path)).toEqual(['/acme/tiny/resolve/v1/onnx/model.onnx', '/cdn/0']);
  });

  it('rejects a corrupted file, naming it, and leaves nothing at the destination', async () => {
    const resolvePath = hub.addHubFile('acme/tiny', 'main', 'onnx/model.onnx', WEIGHTS);
    hub.damage(resolvePath, 'corrupt');
    const models = tinyModels({ 'onnx/model.onnx': pin(WEIGHTS) }, { repo: 'acme/tiny', revision: 'main' });

    const run = runSetup(options({ models }));

    await expect(run).rejects.toThrow(/checksum mismatch for models\/tiny\/onnx\/model\.onnx/);
    await expect(run).rejects.toThrow(sha256Hex(WEIGHTS));
    await expect(run).rejects.toThrow(`${hub.url}/acme/tiny/resolve/main/onnx/model.onnx`);
    expect(await readdir(dirname(modelFile('onnx/model.onnx')))).toEqual([]);
  });

  it('rejects a truncated file on its size', async () => {
    const resolvePath = hub.addHubFile('acme/tiny', 'main', 'onnx/model.onnx', WEIGHTS);
    hub.damage(resolvePath, 'truncate');
    const models = tinyModels({ 'onnx/model.onnx': pin(WEIGHTS) }, { repo: 'acme/tiny', revision: 'main' });

    await expect(runSetup(options({ models }))).rejects.toThrow(
      `size mismatch for models/tiny/onnx/model.onnx: expected ${WEIGHTS.length} bytes (models config), got ${WEIGHTS.length / 2}`,
    );
    expect(await readdir(dirname(modelFile('onnx/model.onnx')))).toEqual([]);
  });

  it('checks the size of a file pinned by size alone', async () => {
    const resolvePath = hub.addHubFile('acme/tiny', 'main', 'onnx/model.onnx', WEIGHTS);
    hub.damage(resolvePath, 'truncate');
    const models = tinyModels({ 'onnx/model.onnx': { bytes: WEIGHTS.length, sha256: null } }, { repo: 'acme/tiny', revision: 'main' });

    await expect(runSetup(options({ models }))).rejects.toThrow('size mismatch for models/tiny/onnx/model.onnx');
    expect(existsSync(join(assets, 'lock.json'))).toBe(false);
  });

  it('keeps a file under a temporary name until it has arrived and verified', async () => {
    const resolvePath = hub.addHubFile('acme/tiny', 'main', 'onnx/model.onnx', WEIGHTS);
    hub.damage(resolvePath, 'stall');
    const models = tinyModels({ 'onnx/model.onnx': pin(WEIGHTS) }, { repo: 'acme/tiny', revision: 'main' });
    const progress = recordingProgress();

    const run = runSetup(options({ models, progress }));
    run.catch(() => {}); // awaited below, once the server has been closed

    await vi.waitFor(() => expect(progress.files.get('models/tiny/onnx/model.onnx')?.[0]).toBe(WEIGHTS.length / 2));
    expect(await readdir(dirname(modelFile('onnx/model.onnx')))).toEqual([expect.stringMatching(/^\.model\.onnx\.\w+\.partial$/)]);
    await hub.close();
    await expect(run).rejects.toThrow(`failed to fetch ${hub.url}/acme/tiny/resolve/main/onnx/model.onnx`);
    expect(await readdir(dirname(modelFile('onnx/model.onnx')))).toEqual([]);
    hub = await startHubServer(); // afterEach closes it
  });

  it('records an unpinned file in lock.json, warns, and rejects different content later', async () => {
    hub.addHubFile('acme/tiny', 'main', 'onnx/model.onnx', WEIGHTS);
    const models = tinyModels({ 'onnx/model.onnx': UNPINNED }, { repo: 'acme/tiny', revision: 'main' });
    const progress = recordingProgress();

    await runSetup(options({ models, progress }));

    const lock = JSON.parse(await readFile(join(assets, 'lock.json'), 'utf8')) as { files: Record<string, unknown> };
    expect(lock.files['models/tiny/onnx/model.onnx']).toMatchObject({ bytes: WEIGHTS.length, sha256: sha256Hex(WEIGHTS) });
    expect(progress.warnings).toEqual([expect.stringContaining('models/tiny/onnx/model.onnx is not pinned')]);

    const again = recordingProgress();
    expect(await runSetup(options({ models, progress: again }))).toMatchObject({ fetched: 0, present: 1 });
    expect(again.warnings).toEqual([]);

    hub.addHubFile('acme/tiny', 'main', 'onnx/model.onnx', randomBytes(WEIGHTS.length));
    await rm(modelFile('onnx/model.onnx'));
    await expect(runSetup(options({ models }))).rejects.toThrow(
      new RegExp(`checksum mismatch for models/tiny/onnx/model\\.onnx: expected sha256 ${sha256Hex(WEIGHTS)} \\(recorded in .*lock\\.json\\)`),
    );
    expect(existsSync(modelFile('onnx/model.onnx'))).toBe(false);
  });

  it('says where it looked when no source has a file', async () => {
    const models = tinyModels({ 'onnx/model.onnx': pin(WEIGHTS) }, { repo: 'acme/tiny', revision: 'main' });
    const mirror = join(work, 'empty-mirror');
    await mkdir(mirror);

    await expect(runSetup(options({ models, mirror }))).rejects.toThrow(
      `models/tiny/onnx/model.onnx not found: looked in ${join(mirror, 'models/tiny/onnx/model.onnx')} and ${hub.url}/acme/tiny/resolve/main/onnx/model.onnx`,
    );
    await expect(runSetup(options({ models: tinyModels({ 'onnx/model.onnx': pin(WEIGHTS) }, null) }))).rejects.toThrow(
      'models/tiny/onnx/model.onnx not found: no mirror given (--mirror); model tiny has no hub source',
    );
  });

  it('reports a network failure as such', async () => {
    const models = tinyModels({ 'onnx/model.onnx': pin(WEIGHTS) }, { repo: 'acme/tiny', revision: 'main' });
    await hub.close();
    await expect(runSetup(options({ models }))).rejects.toThrow(/failed to fetch http:\/\/127\.0\.0\.1:\d+\/acme\/tiny\/resolve\/main\/onnx\/model\.onnx: .*ECONNREFUSED/);
    hub = await startHubServer(); // afterEach closes it
  });
});

describe('runSetup from a mirror', () => {
  it('copies models and a data set from a local folder, then skips them all on a re-run', async () => {
    const mirror = join(work, 'mirror');
    const { spec, files } = await tinyDataset();
    await writeTree(mirror, {
      'models/tiny/onnx/model.onnx': WEIGHTS,
      'models/tiny/config.json': CONFIG_JSON,
      ...Object.fromEntries(Object.entries(files).map(([path, bytes]) => [`catalog/tiny-set/${path}`, bytes])),
    });
    const models = tinyModels({ 'onnx/model.onnx': pin(WEIGHTS), 'config.json': pin(CONFIG_JSON) }, null);
    const setup = (): SetupOptions => options({ models, mirror, datasets: { tiny: spec }, datasetNames: ['tiny'], progress });
    const progress = recordingProgress();

    expect(await runSetup(setup())).toMatchObject({ fetched: 4, present: 0 });
    expect(await fileHash(modelFile('onnx/model.onnx'))).toBe(sha256Hex(WEIGHTS));
    for (const [path, bytes] of Object.entries(files)) expect(await fileHash(join(assets, 'catalog/tiny-set', path))).toBe(sha256Hex(bytes));
    expect(progress.counts.get('tiny')).toEqual([2, 2]);

    const modified = (await stat(modelFile('onnx/model.onnx'))).mtimeMs;
    expect(await runSetup(setup())).toMatchObject({ fetched: 0, present: 4, bytes: 0 });
    expect((await stat(modelFile('onnx/model.onnx'))).mtimeMs).toBe(modified);

    await writeFile(join(assets, 'catalog/tiny-set/images/1.jpg'), 'damaged on disk');
    expect(await runSetup(setup())).toMatchObject({ fetched: 1, present: 3 });
    expect(await fileHash(join(assets, 'catalog/tiny-set/images/1.jpg'))).toBe(sha256Hex(files['images/1.jpg']));
  });

  it('fetches models and a data set from an http mirror', async () => {
    const { spec, files } = await tinyDataset();
    hub.addFile('/mirror/models/tiny/onnx/model.onnx', WEIGHTS);
    for (const [path, bytes] of Object.entries(files)) hub.addFile(`/mirror/catalog/tiny-set/${path}`, bytes);
    const models = tinyModels({ 'onnx/model.onnx': pin(WEIGHTS) }, null);

    const report = await runSetup(options({ models, mirror: `${hub.url}/mirror/`, datasets: { tiny: spec }, datasetNames: ['tiny'] }));

    expect(report).toMatchObject({ fetched: 3, present: 0 });
    expect(await fileHash(modelFile('onnx/model.onnx'))).toBe(sha256Hex(WEIGHTS));
    for (const [path, bytes] of Object.entries(files)) expect(await fileHash(join(assets, 'catalog/tiny-set', path))).toBe(sha256Hex(bytes));
  });

  it('rejects a data set file that does not match its checksum file', async () => {
    const { spec, files } = await tinyDataset();
    for (const [path, bytes] of Object.entries(files)) hub.addFile(`/mirror/catalog/tiny-set/${path}`, bytes);
    hub.damage('/mirror/catalog/tiny-set/images/1.jpg', 'corrupt');
    const models = tinyModels({ 'onnx/model.onnx': pin(WEIGHTS) }, { repo: 'acme/tiny', revision: 'main' });
    hub.addHubFile('acme/tiny', 'main', 'onnx/model.onnx', WEIGHTS);

    await expect(
      runSetup(options({ models, mirror: `${hub.url}/mirror`, datasets: { tiny: spec }, datasetNames: ['tiny'] })),
    ).rejects.toThrow(`checksum mismatch for catalog/tiny-set/images/1.jpg: expected sha256 ${sha256Hex(files['images/1.jpg'])}`);
    expect(existsSync(join(assets, 'catalog/tiny-set/images/1.jpg'))).toBe(false);
  });
});

describe('runSetup errors', () => {
  const models = tinyModels({ 'onnx/model.onnx': pin(WEIGHTS) }, null);

  it('rejects an unknown profile, naming the known ones', async () => {
    await expect(runSetup(options({ models, profile: 'huge' }))).rejects.toThrow('unknown model profile "huge" (known: tiny)');
  });

  it('rejects an unknown data set and a missing mirror folder', async () => {
    await expect(runSetup(options({ models, datasetNames: ['nope'] }))).rejects.toThrow('unknown data set "nope"');
    await expect(runSetup(options({ models, mirror: join(work, 'no-such-mirror') }))).rejects.toThrow('mirror folder not found');
  });
});

describe('npm run setup', () => {
  const cli = (...args: string[]) =>
    spawnSync(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), [join(PROJECT_ROOT, 'src/cli/setup.ts'), ...args], { encoding: 'utf8' });

  it('prints usage with --help', () => {
    const result = cli('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run setup/);
    expect(result.stdout).toContain('--profile <name>     model profile: mini, arch, production');
  });

  it('fails with one line on stderr and exit code 1', () => {
    const result = cli('--profile', 'nope', '--assets', join(work, 'assets'));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('setup: unknown model profile "nope" (known: mini, arch, production)\n');
  });

  it('a mistyped flag is a usage error: one line pointing at --help, exit code 2', () => {
    const result = cli('--profiel', 'mini');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^setup: Unknown option '--profiel'.* \(see --help\)\n$/);
  });
});

const sharedMirror = defaultMirror();

describe.skipIf(sharedMirror === null)('the real config against the shared mirror', () => {
  it('copies the mini profile and the query photos, all verifying', async () => {
    const models = loadModelsConfig();
    const datasets = loadDatasets();
    const report = await runSetup({
      ...options({ models }),
      datasets,
      profile: 'mini',
      datasetNames: ['queries'],
      mirror: sharedMirror,
    });

    const miniFiles = ['fashion-clip-mini', 'fashion-cnn-mini'].flatMap((name) =>
      Object.entries(models.models[name]!.files).map(([file, spec]) => ({ path: join(assets, models.models[name]!.mirror, file), spec })),
    );
    const queryFiles = (await readFile(join(PROJECT_ROOT, datasets.queries!.checksums), 'utf8')).trim().split('\n');
    expect(report.fetched).toBe(miniFiles.length + queryFiles.length);
    for (const { path, spec } of miniFiles) {
      const bytes = await readFile(path);
      expect({ bytes: bytes.length, sha256: sha256Hex(bytes) }).toEqual(spec);
    }
  });
});
