import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../common/node/paths.js';
import { NodeSearchEngine } from '../search/node/engine.js';
import { errorResponse, type SearchResponse } from '../search/shared/response.js';
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
  -h, --help            this text`;

await runCli('search', USAGE, async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      image: { type: 'string' },
      text: { type: 'string' },
      category: { type: 'string' },
      'top-k': { type: 'string' },
      fusion: { type: 'string' },
      artifacts: { type: 'string', default: join(PROJECT_ROOT, 'artifacts/demo') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  if (!values.image && values.text === undefined) throw new UsageError('--image or --text is required');
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
    if (bytes) response = await (await NodeSearchEngine.open(values.artifacts)).search(bytes, request, values.image, values.text);
  } else {
    response = await (await NodeSearchEngine.open(values.artifacts)).searchText(values.text!, request);
  }
  process.stdout.write(`${JSON.stringify(response!, null, 2)}\n`);
  return { exitCode: response!.status === 'error' ? 1 : 0 };
});
