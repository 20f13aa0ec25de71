import { parentPort, workerData } from 'node:worker_threads';
import { decodeViewPage, type PageMapping } from './view-page.js';

// The page-mapping worker thread (see page-mapper.ts): parses and maps `/view` answers, so that
// their parsed JSON (hundreds of MB over a large organisation, allocated by V8 straight in the
// old generation for pages of 100 KB or more) never reaches the main thread's heap.

const how = workerData as PageMapping;

parentPort?.on('message', (message: { id: number; bytes: ArrayBuffer; secrets: string[] }) => {
  try {
    parentPort?.postMessage({ id: message.id, page: decodeViewPage(message.bytes, message.secrets, how) });
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
