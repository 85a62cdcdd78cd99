"""Micro-batching: requests that arrive together share one model call.

TensorFlow runs in one worker thread, outside the event loop; while it works, new requests
queue, and the next call takes all of them (up to `max_batch` examples) at once. A lone
request waits for nothing: the batch is whatever has queued when the worker is free.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_BATCH = 64


@dataclass
class _Pending:
    inputs: pd.DataFrame | np.ndarray
    future: asyncio.Future


class MicroBatcher:
    """Queue decoded inputs; one worker thread runs `predict` on everything queued, in order."""

    def __init__(self, predict: Callable[[pd.DataFrame | np.ndarray], np.ndarray], max_batch: int = MAX_BATCH):
        self.predict = predict
        self.max_batch = max_batch
        self._workers: dict[asyncio.AbstractEventLoop, tuple[asyncio.Queue, asyncio.Task]] = {}
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="tfjourney-model")

    async def submit(self, inputs: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The model's outputs for `inputs`, computed in the worker thread together with whatever else is queued."""
        loop = asyncio.get_running_loop()
        if loop not in self._workers:  # one queue per event loop (a test client may run its own)
            queue: asyncio.Queue = asyncio.Queue()
            self._workers[loop] = (queue, loop.create_task(self._work(queue)))
        future = loop.create_future()
        await self._workers[loop][0].put(_Pending(inputs, future))
        return await future

    async def _work(self, queue: asyncio.Queue) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            size = len(batch[0].inputs)
            while not queue.empty() and size + len(queue._queue[0].inputs) <= self.max_batch:
                batch.append(queue.get_nowait())
                size += len(batch[-1].inputs)
            try:
                outputs = await loop.run_in_executor(self._executor, self._run, [p.inputs for p in batch])
            except Exception as exc:  # one bad batch fails its requests, not the worker
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(exc)
                continue
            for pending, result in zip(batch, outputs):
                if not pending.future.done():
                    pending.future.set_result(result)

    def _run(self, parts: list) -> list[np.ndarray]:
        if len(parts) == 1:
            return [self.predict(parts[0])]
        joined = pd.concat(parts, ignore_index=True) if isinstance(parts[0], pd.DataFrame) else np.concatenate(parts)
        outputs = self.predict(joined)
        bounds = np.cumsum([len(p) for p in parts])[:-1]
        return np.split(np.asarray(outputs), bounds)

    def close(self) -> None:
        for _, task in self._workers.values():
            task.cancel()
        self._workers.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)
