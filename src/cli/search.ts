import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../common/node/paths.js';
import { NodeSearchEngine } from '../search/node/engine.js';
import { errorResponse, type SearchResponse } from '../search/shared/response.js';
import { SearchApiError } from '../search/shared/wire.js';
import { runCli, UsageError } from './run.js';

const USAGE = `Usage: npm run search -- --image <file> [--text <words>] [options]
       npm run search -- --text <words> [options]

Searches the catalog for products like the photo, like the photo but changed by the words ("in blue"), or
matching the words alone, and prints the JSON response on stdout
({status, category_used, confidence, message, results[...]}). Exit code 1 when status is "error".

  --image <file>        photo to search with
  --text <words>        words: alone, a text query; with --image, how the result should differ from the photo
  --category <name>     search only this category (strict: no results if the catalog lacks it); default: auto-detect
  --top-k <n>           number of results (default from the index, 8)
  --fusion <mode>       weighted | rrf (default from the index)
  --artifacts <dir>     artifact folder (default artifacts/demo)
  --remote <url>        a deployment of npm run serve: embed here, send the query vectors to its search API and
                        print its response (instead of --artifacts)
  -h, --help            this text`;

/** A search API that refused or could not be reached is a response with status "error", as a bad photo is. */
async function searchOrExplain(search: () => Promise<SearchResponse>): Promise<SearchResponse> {
  try {
    return await search();
  } catch (error) {
    if (error instanceof SearchApiError) return errorResponse(error.message);
    throw error;
  }
}

await runCli('search', USAGE, async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      image: { type: 'string' },
      text: { type: 'string' },
      category: { type: 'string' },
      'top-k': { type: 'string' },
      fusion: { type: 'string' },
      artifacts: { type: 'string' },
      remote: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  if (!values.image && values.text === undefined) throw new UsageError('--image or --text is required');
  if (values.remote !== undefined && values.artifacts !== undefined) throw new UsageError('--remote and --artifacts exclude each other');
  let remote: URL | null = null;
  if (values.remote !== undefined) {
    try {
      remote = new URL(values.remote.endsWith('/') ? values.remote : `${values.remote}/`);
    } catch {
      throw new UsageError(`--remote must be a URL, such as http://localhost:4173/`);
    }
  }
  const open = () => (remote ? NodeSearchEngine.openRemote(remote) : NodeSearchEngine.open(values.artifacts ?? join(PROJECT_ROOT, 'artifacts/demo')));
  const topK = values['top-k'] === undefined ? undefined : Number(values['top-k']);
  if (topK !== undefined && !(Number.isInteger(topK) && topK > 0)) throw new UsageError(`--top-k must be a positive whole number`);
  if (values.fusion !== undefined && values.fusion !== 'weighted' && values.fusion !== 'rrf') throw new UsageError('--fusion must be weighted or rrf');

  const request = { category: values.category ?? null, topK, fusion: values.fusion as 'weighted' | 'rrf' | undefined };
  let response: SearchResponse;
  if (values.image) {
    let bytes: Uint8Array | null = null;
    try {
      bytes = new Uint8Array(await readFile(values.image));
    } catch {
      response = errorResponse(`${values.image}: cannot open this file`);
    }
    if (bytes) response = await searchOrExplain(async () => (await open()).search(bytes, request, values.image, values.text));
  } else {
    response = await searchOrExplain(async () => (await open()).searchText(values.text!, request));
  }
  process.stdout.write(`${JSON.stringify(response!, null, 2)}\n`);
  return { exitCode: response!.status === 'error' ? 1 : 0 };
});
