# The asyncio API above the native loop, futures and tasks, written in aio itself.
# Each function schedules its callbacks in the same order as CPython 3.11's asyncio,
# so programs interleave exactly as they do there. Names starting with _ are private.

FIRST_COMPLETED = 'FIRST_COMPLETED'
FIRST_EXCEPTION = 'FIRST_EXCEPTION'
ALL_COMPLETED = 'ALL_COMPLETED'


async def _noop():
    pass


def _release_waiter(waiter, *args):
    if not waiter.done():
        waiter.set_result(None)


def _loop_of(fut):
    return fut.get_loop()


def run(main, *, debug=None):
    if _get_running_loop() is not None:
        raise RuntimeError("asyncio.run() cannot be called from a running event loop")
    if not iscoroutine(main):
        raise ValueError("a coroutine was expected, got " + repr(main))
    loop = new_event_loop()
    set_event_loop(loop)
    try:
        task = loop.create_task(main)
        return _run_main_task(loop, task)
    finally:
        try:
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            set_event_loop(None)
            loop.close()


def _run_main_task(loop, task):
    # As asyncio.runners: the first Ctrl-C cancels the main task; if that ends it with
    # CancelledError, asyncio.run raises KeyboardInterrupt instead.
    _watch_sigint(task)
    try:
        return loop.run_until_complete(task)
    except CancelledError:
        if _watch_sigint(None) > 0:
            if task.uncancel() == 0:
                raise KeyboardInterrupt()
        raise
    finally:
        _watch_sigint(None)


def _cancel_all_tasks(loop):
    pending = [t for t in all_tasks(loop)]
    if not pending:
        return
    for t in pending:
        t.cancel()
    loop.run_until_complete(gather(*pending, return_exceptions=True))


# gather() is native (gather.rs); this is its general path, for awaitables that are
# neither coroutines nor futures (they may define their own __hash__ and __eq__).
class _GatherState:
    def __init__(self, children, return_exceptions):
        self.children = children
        self.return_exceptions = return_exceptions
        self.finished = 0
        self.outer = None


def _gather_py(*aws, return_exceptions=False):
    if not aws:
        outer = get_event_loop().create_future()
        outer.set_result([])
        return outer
    seen = {}
    children = []
    loop = None
    state = _GatherState(children, return_exceptions)

    def on_child_done(fut):
        state.finished += 1
        outer = state.outer
        if outer is None or outer.done():
            if not fut.cancelled():
                fut.exception()
            return
        if not return_exceptions:
            if fut.cancelled():
                outer.set_exception(_make_cancelled_error(fut))
                return
            err = fut.exception()
            if err is not None:
                outer.set_exception(err)
                return
        if state.finished == len(seen):
            results = []
            for child in children:
                if child.cancelled():
                    msg = child._cancel_message
                    results.append(CancelledError('' if msg is None else msg))
                else:
                    err = child.exception()
                    results.append(child.result() if err is None else err)
            if _cancel_requested(outer):
                outer.set_exception(_make_cancelled_error(fut))
            else:
                outer.set_result(results)

    for aw in aws:
        try:
            known = aw in seen
        except TypeError as exc:
            exc.__help__ = ("gather() takes each awaitable as its own argument: "
                            "did you mean asyncio.gather(*tasks)?")
            raise
        if known:
            fut = seen[aw]
        else:
            fut = ensure_future(aw, loop=loop)
            if loop is None:
                loop = _loop_of(fut)
            seen[aw] = fut
            fut.add_done_callback(on_child_done)
        children.append(fut)
    state.outer = _gathering_future(children, loop)
    return state.outer


async def wait(fs, *, timeout=None, return_when=ALL_COMPLETED):
    if isfuture(fs) or iscoroutine(fs):
        raise TypeError("expect a list of futures, not " + type(fs).__name__)
    if not fs:
        raise ValueError('Set of Tasks/Futures is empty.')
    if return_when not in (FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED):
        raise ValueError('Invalid return_when value: ' + str(return_when))
    loop = get_running_loop()
    if any(iscoroutine(f) for f in fs):
        raise TypeError("Passing coroutines is forbidden, use tasks explicitly.")
    unique = []
    for f in fs:
        if all(f is not g for g in unique):
            unique.append(f)
    futs = []
    for f in unique:
        fut = ensure_future(f, loop=loop)
        if all(fut is not g for g in futs):
            futs.append(fut)
    return await _wait(futs, timeout, return_when, loop)


async def _wait(fs, timeout, return_when, loop):
    waiter = loop.create_future()
    timeout_handle = None
    if timeout is not None:
        timeout_handle = loop.call_later(timeout, _release_waiter, waiter)
    remaining = [len(fs)]

    def on_done(f):
        remaining[0] -= 1
        if (remaining[0] <= 0 or return_when == FIRST_COMPLETED or
                (return_when == FIRST_EXCEPTION and not f.cancelled() and f.exception() is not None)):
            if timeout_handle is not None:
                timeout_handle.cancel()
            if not waiter.done():
                waiter.set_result(None)

    for f in fs:
        f.add_done_callback(on_done)
    try:
        await waiter
    finally:
        if timeout_handle is not None:
            timeout_handle.cancel()
        for f in fs:
            f.remove_done_callback(on_done)
    done = set()
    pending = set()
    for f in fs:
        if f.done():
            done.add(f)
        else:
            pending.add(f)
    return done, pending


async def _cancel_and_wait(fut, loop):
    waiter = loop.create_future()

    def release(f):
        _release_waiter(waiter)

    fut.add_done_callback(release)
    try:
        fut.cancel()
        await waiter
    finally:
        fut.remove_done_callback(release)


async def wait_for(fut, timeout):
    loop = get_running_loop()
    if timeout is None:
        return await fut
    if timeout <= 0:
        fut = ensure_future(fut, loop=loop)
        if fut.done():
            return fut.result()
        await _cancel_and_wait(fut, loop)
        try:
            return fut.result()
        except CancelledError as exc:
            raise TimeoutError() from exc
    waiter = loop.create_future()
    timeout_handle = loop.call_later(timeout, _release_waiter, waiter)

    def release(f):
        _release_waiter(waiter)

    fut = ensure_future(fut, loop=loop)
    fut.add_done_callback(release)
    try:
        try:
            await waiter
        except CancelledError:
            if fut.done():
                return fut.result()
            fut.remove_done_callback(release)
            await _cancel_and_wait(fut, loop)
            raise
        if fut.done():
            return fut.result()
        fut.remove_done_callback(release)
        await _cancel_and_wait(fut, loop)
        try:
            return fut.result()
        except CancelledError as exc:
            raise TimeoutError() from exc
    finally:
        timeout_handle.cancel()


def shield(arg):
    inner = ensure_future(arg)
    if inner.done():
        return inner
    outer = _loop_of(inner).create_future()

    def inner_done(inner):
        if outer.cancelled() and not inner.cancelled():
            inner.exception()  # mark it retrieved: nobody will see it now
        _copy_future_state(inner, outer)

    def outer_done(outer):
        if not inner.done():
            inner.remove_done_callback(inner_done)

    inner.add_done_callback(inner_done)
    outer.add_done_callback(outer_done)
    return outer


def as_completed(fs, *, timeout=None):
    if isfuture(fs) or iscoroutine(fs):
        raise TypeError("expect an iterable of futures, not " + type(fs).__name__)
    done = Queue()
    loop = get_event_loop()
    todo = []
    for f in fs:
        fut = ensure_future(f, loop=loop)
        if all(fut is not g for g in todo):
            todo.append(fut)
    handle = [None]

    def on_timeout():
        for f in todo:
            f.remove_done_callback(on_completion)
            done.put_nowait(None)
        todo.clear()

    def on_completion(f):
        if not todo:
            return
        todo.remove(f)
        done.put_nowait(f)
        if not todo and handle[0] is not None:
            handle[0].cancel()

    async def wait_for_one():
        f = await done.get()
        if f is None:
            raise TimeoutError
        return f.result()

    for f in todo:
        f.add_done_callback(on_completion)
    if todo and timeout is not None:
        handle[0] = loop.call_later(timeout, on_timeout)
    return [wait_for_one() for _ in range(len(todo))]


class _LoopBound:
    _loop = None

    def _get_loop(self):
        loop = get_running_loop()
        if self._loop is None:
            self._loop = loop
        if loop is not self._loop:
            raise RuntimeError(repr(self) + ' is bound to a different event loop')
        return loop


class Queue(_LoopBound):
    # get, put, get_nowait and put_nowait are native for Queue, LifoQueue and
    # PriorityQueue themselves (scheduler/queue.rs); instances of other subclasses run
    # the aio versions below (kept under _py_ names, with their qualnames).
    def __init__(self, maxsize=0):
        self._maxsize = maxsize
        self._getters = []
        self._putters = []
        self._unfinished_tasks = 0
        self._finished = Event()
        self._finished.set()
        self._init(maxsize)

    def _init(self, maxsize):
        self._queue = []

    def _put(self, item):
        self._queue.append(item)

    def _get(self):
        return self._queue.pop(0)

    def _wakeup_next(self, waiters):
        while waiters:
            waiter = waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                break

    def __repr__(self):
        return '<' + type(self).__name__ + ' at ' + hex(id(self)) + ' ' + self._format() + '>'

    def __str__(self):
        return '<' + type(self).__name__ + ' ' + self._format() + '>'

    def _format(self):
        result = 'maxsize=' + repr(self._maxsize)
        if getattr(self, '_queue', None):
            result += ' _queue=' + repr(list(self._queue))
        if self._getters:
            result += ' _getters[' + str(len(self._getters)) + ']'
        if self._putters:
            result += ' _putters[' + str(len(self._putters)) + ']'
        if self._unfinished_tasks:
            result += ' tasks=' + str(self._unfinished_tasks)
        return result

    def qsize(self):
        return len(self._queue)

    @property
    def maxsize(self):
        return self._maxsize

    def empty(self):
        return not self._queue

    def full(self):
        if self._maxsize <= 0:
            return False
        return self.qsize() >= self._maxsize

    async def put(self, item):
        while self.full():
            putter = self._get_loop().create_future()
            self._putters.append(putter)
            try:
                await putter
            except BaseException:
                putter.cancel()
                if putter in self._putters:
                    self._putters.remove(putter)
                if not self.full() and not putter.cancelled():
                    self._wakeup_next(self._putters)
                raise
        return self.put_nowait(item)

    def put_nowait(self, item):
        if self.full():
            raise QueueFull
        self._put(item)
        self._unfinished_tasks += 1
        self._finished.clear()
        self._wakeup_next(self._getters)

    async def get(self):
        while self.empty():
            getter = self._get_loop().create_future()
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                if getter in self._getters:
                    self._getters.remove(getter)
                if not self.empty() and not getter.cancelled():
                    self._wakeup_next(self._getters)
                raise
        return self.get_nowait()

    def get_nowait(self):
        if self.empty():
            raise QueueEmpty
        item = self._get()
        self._wakeup_next(self._putters)
        return item

    _py_put = put
    _py_put_nowait = put_nowait
    _py_get = get
    _py_get_nowait = get_nowait
    put = _queue_put
    put_nowait = _queue_put_nowait
    get = _queue_get
    get_nowait = _queue_get_nowait

    def task_done(self):
        if self._unfinished_tasks <= 0:
            raise ValueError('task_done() called too many times')
        self._unfinished_tasks -= 1
        if self._unfinished_tasks == 0:
            self._finished.set()

    async def join(self):
        if self._unfinished_tasks > 0:
            await self._finished.wait()


class LifoQueue(Queue):
    def _get(self):
        return self._queue.pop()


def _heap_push(heap, item):
    heap.append(item)
    pos = len(heap) - 1
    while pos > 0:
        parent = (pos - 1) >> 1
        if heap[pos] < heap[parent]:
            heap[pos], heap[parent] = heap[parent], heap[pos]
            pos = parent
        else:
            break


def _heap_pop(heap):
    last = heap.pop()
    if not heap:
        return last
    top = heap[0]
    heap[0] = last
    pos = 0
    end = len(heap)
    child = 1
    while child < end:
        right = child + 1
        if right < end and not heap[child] < heap[right]:
            child = right
        heap[pos], heap[child] = heap[child], heap[pos]
        pos = child
        child = 2 * pos + 1
    while pos > 0:
        parent = (pos - 1) >> 1
        if heap[pos] < heap[parent]:
            heap[pos], heap[parent] = heap[parent], heap[pos]
            pos = parent
        else:
            break
    return top


class PriorityQueue(Queue):
    def _put(self, item):
        _heap_push(self._queue, item)

    def _get(self):
        return _heap_pop(self._queue)


class Event(_LoopBound):
    def __init__(self):
        self._waiters = []
        self._value = False

    def is_set(self):
        return self._value

    def set(self):
        if not self._value:
            self._value = True
            for fut in self._waiters:
                if not fut.done():
                    fut.set_result(True)

    def clear(self):
        self._value = False

    async def wait(self):
        if self._value:
            return True
        fut = self._get_loop().create_future()
        self._waiters.append(fut)
        try:
            await fut
            return True
        finally:
            self._waiters.remove(fut)


class _ContextManagerMixin:
    async def __aenter__(self):
        await self.acquire()
        return None

    async def __aexit__(self, exc_type, exc, tb):
        self.release()


class Lock(_ContextManagerMixin, _LoopBound):
    def __init__(self):
        self._waiters = None
        self._locked = False

    def locked(self):
        return self._locked

    async def acquire(self):
        if not self._locked and (self._waiters is None or all(w.cancelled() for w in self._waiters)):
            self._locked = True
            return True
        if self._waiters is None:
            self._waiters = []
        fut = self._get_loop().create_future()
        self._waiters.append(fut)
        try:
            try:
                await fut
            finally:
                self._waiters.remove(fut)
        except CancelledError:
            if not self._locked:
                self._wake_up_first()
            raise
        self._locked = True
        return True

    def release(self):
        if self._locked:
            self._locked = False
            self._wake_up_first()
        else:
            raise RuntimeError('Lock is not acquired.')

    def _wake_up_first(self):
        if not self._waiters:
            return
        fut = self._waiters[0]
        if not fut.done():
            fut.set_result(True)


class Semaphore(_ContextManagerMixin, _LoopBound):
    def __init__(self, value=1):
        if value < 0:
            raise ValueError("Semaphore initial value must be >= 0")
        self._waiters = None
        self._value = value

    def locked(self):
        return self._value == 0 or any(not w.cancelled() for w in (self._waiters or ()))

    async def acquire(self):
        if not self.locked():
            self._value -= 1
            return True
        if self._waiters is None:
            self._waiters = []
        fut = self._get_loop().create_future()
        self._waiters.append(fut)
        try:
            try:
                await fut
            finally:
                self._waiters.remove(fut)
        except CancelledError:
            if not fut.cancelled():
                self._value += 1
                self._wake_up_next()
            raise
        if self._value > 0:
            self._wake_up_next()
        return True

    def release(self):
        self._value += 1
        self._wake_up_next()

    def _wake_up_next(self):
        if not self._waiters:
            return
        for fut in self._waiters:
            if not fut.done():
                self._value -= 1
                fut.set_result(True)
                return


class BoundedSemaphore(Semaphore):
    def __init__(self, value=1):
        self._bound_value = value
        super().__init__(value)

    def release(self):
        if self._value >= self._bound_value:
            raise ValueError('BoundedSemaphore released too many times')
        super().release()


class Condition(_ContextManagerMixin, _LoopBound):
    def __init__(self, lock=None):
        if lock is None:
            lock = Lock()
        self._lock = lock
        self.locked = lock.locked
        self.acquire = lock.acquire
        self.release = lock.release
        self._waiters = []

    async def wait(self):
        if not self.locked():
            raise RuntimeError('cannot wait on un-acquired lock')
        self.release()
        try:
            fut = self._get_loop().create_future()
            self._waiters.append(fut)
            try:
                await fut
                return True
            finally:
                self._waiters.remove(fut)
        finally:
            cancelled = False
            while True:
                try:
                    await self.acquire()
                    break
                except CancelledError:
                    cancelled = True
            if cancelled:
                raise CancelledError

    async def wait_for(self, predicate):
        result = predicate()
        while not result:
            await self.wait()
            result = predicate()
        return result

    def notify(self, n=1):
        if not self.locked():
            raise RuntimeError('cannot notify on un-acquired lock')
        idx = 0
        for fut in self._waiters:
            if idx >= n:
                break
            if not fut.done():
                idx += 1
                fut.set_result(False)

    def notify_all(self):
        self.notify(len(self._waiters))


class TaskGroup:
    def __init__(self):
        self._entered = False
        self._exiting = False
        self._aborting = False
        self._loop = None
        self._parent_task = None
        self._parent_cancel_requested = False
        self._tasks = []
        self._errors = []
        self._base_error = None
        self._on_completed_fut = None

    def __repr__(self):
        info = ['']
        if self._tasks:
            info.append('tasks=' + str(len(self._tasks)))
        if self._errors:
            info.append('errors=' + str(len(self._errors)))
        if self._aborting:
            info.append('cancelling')
        elif self._entered:
            info.append('entered')
        return '<TaskGroup' + ' '.join(info) + '>'

    async def __aenter__(self):
        if self._entered:
            raise RuntimeError("TaskGroup " + repr(self) + " has already been entered")
        if self._loop is None:
            self._loop = get_running_loop()
        self._parent_task = current_task()
        if self._parent_task is None:
            raise RuntimeError('TaskGroup ' + repr(self) + ' cannot determine the parent task')
        self._entered = True
        return self

    async def __aexit__(self, et, exc, tb):
        self._exiting = True
        if exc is not None and self._is_base_error(exc) and self._base_error is None:
            self._base_error = exc
        propagate_cancellation_error = exc if et is CancelledError else None
        if self._parent_cancel_requested:
            if self._parent_task.uncancel() == 0:
                propagate_cancellation_error = None
        if et is not None:
            if not self._aborting:
                self._abort()
        while self._tasks:
            if self._on_completed_fut is None:
                self._on_completed_fut = self._loop.create_future()
            try:
                await self._on_completed_fut
            except CancelledError as ex:
                if not self._aborting:
                    propagate_cancellation_error = ex
                    self._abort()
            self._on_completed_fut = None
        if self._base_error is not None:
            raise self._base_error
        if propagate_cancellation_error and not self._errors:
            raise propagate_cancellation_error
        if et is not None and et is not CancelledError:
            self._errors.append(exc)
        if self._errors:
            errors = self._errors
            self._errors = None
            if all(isinstance(e, Exception) for e in errors):
                raise ExceptionGroup('unhandled errors in a TaskGroup', errors) from None
            raise BaseExceptionGroup('unhandled errors in a TaskGroup', errors) from None

    def create_task(self, coro, *, name=None, context=None):
        if not self._entered:
            raise RuntimeError("TaskGroup " + repr(self) + " has not been entered")
        if self._exiting and not self._tasks:
            raise RuntimeError("TaskGroup " + repr(self) + " is finished")
        if self._aborting:
            raise RuntimeError("TaskGroup " + repr(self) + " is shutting down")
        task = self._loop.create_task(coro)
        if name is not None:
            task.set_name(name)
        task.add_done_callback(self._on_task_done)
        future_add_to_awaited_by(task, self._parent_task)
        self._tasks.append(task)
        return task

    def _is_base_error(self, exc):
        return isinstance(exc, (SystemExit, KeyboardInterrupt))

    def _abort(self):
        self._aborting = True
        for t in self._tasks:
            if not t.done():
                t.cancel()

    def _on_task_done(self, task):
        future_discard_from_awaited_by(task, self._parent_task)
        if task in self._tasks:
            self._tasks.remove(task)
        if self._on_completed_fut is not None and not self._tasks:
            if not self._on_completed_fut.done():
                self._on_completed_fut.set_result(True)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        self._errors.append(exc)
        if self._is_base_error(exc) and self._base_error is None:
            self._base_error = exc
        if self._parent_task.done():
            return
        if not self._aborting and not self._parent_cancel_requested:
            self._abort()
            self._parent_cancel_requested = True
            self._parent_task.cancel()


class Timeout:
    def __init__(self, when):
        self._state = 'created'
        self._timeout_handler = None
        self._task = None
        self._when = when

    def when(self):
        return self._when

    def reschedule(self, when):
        if self._state != 'active':
            if self._state == 'created':
                raise RuntimeError("Timeout has not been entered")
            raise RuntimeError("Cannot change state of " + self._state + " Timeout")
        self._when = when
        if self._timeout_handler is not None:
            self._timeout_handler.cancel()
        if when is None:
            self._timeout_handler = None
        else:
            loop = get_running_loop()
            if when <= loop.time():
                self._timeout_handler = loop.call_soon(self._on_timeout)
            else:
                self._timeout_handler = loop.call_at(when, self._on_timeout)

    def expired(self):
        return self._state in ('expiring', 'expired')

    def __repr__(self):
        if self._state == 'active':
            when = round(self._when, 3) if self._when is not None else None
            return '<Timeout [active] when=' + str(when) + '>'
        return '<Timeout [' + self._state + ']>'

    async def __aenter__(self):
        if self._state != 'created':
            raise RuntimeError("Timeout has already been entered")
        task = current_task()
        if task is None:
            raise RuntimeError("Timeout should be used inside a task")
        self._state = 'active'
        self._task = task
        self._cancelling = task.cancelling()
        self.reschedule(self._when)
        return self

    async def __aexit__(self, exc_type, exc_val, exc_tb):
        if self._timeout_handler is not None:
            self._timeout_handler.cancel()
            self._timeout_handler = None
        if self._state == 'expiring':
            self._state = 'expired'
            if self._task.uncancel() <= self._cancelling and exc_type is CancelledError:
                raise TimeoutError from exc_val
        elif self._state == 'active':
            self._state = 'finished'
        return None

    def _on_timeout(self):
        self._task.cancel()
        self._state = 'expiring'
        self._timeout_handler = None


def timeout(delay):
    loop = get_running_loop()
    return Timeout(loop.time() + delay if delay is not None else None)


def timeout_at(when):
    return Timeout(when)


async def _anext_default(iterator, default):
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return default


async def _wrap_awaitable(awaitable):
    return await awaitable


class BrokenBarrierError(RuntimeError):
    pass


class Barrier(_LoopBound):
    def __init__(self, parties):
        if parties < 1:
            raise ValueError('parties must be > 0')
        self._cond = Condition()
        self._parties = parties
        self._state = 'filling'
        self._count = 0

    async def __aenter__(self):
        return await self.wait()

    async def __aexit__(self, *args):
        pass

    async def wait(self):
        async with self._cond:
            await self._block()
            try:
                index = self._count
                self._count += 1
                if index + 1 == self._parties:
                    await self._release()
                else:
                    await self._wait()
                return index
            finally:
                self._count -= 1
                self._exit()

    async def _block(self):
        await self._cond.wait_for(lambda: self._state not in ('draining', 'resetting'))
        if self._state == 'broken':
            raise BrokenBarrierError("Barrier aborted")

    async def _release(self):
        self._state = 'draining'
        self._cond.notify_all()

    async def _wait(self):
        await self._cond.wait_for(lambda: self._state != 'filling')
        if self._state in ('broken', 'resetting'):
            raise BrokenBarrierError("Abort or reset of barrier")

    def _exit(self):
        if self._count == 0:
            if self._state in ('resetting', 'draining'):
                self._state = 'filling'
            self._cond.notify_all()

    async def reset(self):
        async with self._cond:
            if self._count > 0:
                if self._state != 'resetting':
                    self._state = 'resetting'
            else:
                self._state = 'filling'
            self._cond.notify_all()

    async def abort(self):
        async with self._cond:
            self._state = 'broken'
            self._cond.notify_all()

    @property
    def parties(self):
        return self._parties

    @property
    def n_waiting(self):
        if self._state == 'filling':
            return self._count
        return 0

    @property
    def broken(self):
        return self._state == 'broken'


class Runner:
    def __init__(self, *, debug=None, loop_factory=None):
        self._loop = None
        self._state = 'created'

    def __enter__(self):
        self._lazy_init()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()

    def close(self):
        if self._state != 'initialized':
            return
        try:
            loop = self._loop
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            set_event_loop(None)
            loop.close()
            self._loop = None
            self._state = 'closed'

    def get_loop(self):
        self._lazy_init()
        return self._loop

    def run(self, coro, *, context=None):
        if not iscoroutine(coro):
            raise ValueError("a coroutine was expected, got " + repr(coro))
        if _get_running_loop() is not None:
            raise RuntimeError("Runner.run() cannot be called from a running event loop")
        self._lazy_init()
        task = self._loop.create_task(coro)
        return _run_main_task(self._loop, task)

    def _lazy_init(self):
        if self._state == 'closed':
            raise RuntimeError("Runner is closed")
        if self._state == 'initialized':
            return
        self._loop = new_event_loop()
        set_event_loop(self._loop)
        self._state = 'initialized'


# Call graph introspection (Python 3.14's asyncio.graph): what each task awaits, and who
# awaits it. Frames are described by small stand-ins for CPython's frame and code objects.

class _CallGraphCode:
    def __init__(self, filename, name, qualname):
        self.co_filename = filename
        self.co_name = name
        self.co_qualname = qualname


class _CallGraphFrame:
    def __init__(self, filename, lineno, name, qualname, generator):
        self.f_code = _CallGraphCode(filename, name, qualname)
        self.f_lineno = lineno
        self.f_generator = generator

    def __repr__(self):
        return ('<frame file ' + repr(self.f_code.co_filename) + ', line '
                + str(self.f_lineno) + ', code ' + self.f_code.co_name + '>')


class FrameCallGraphEntry:
    def __init__(self, frame):
        self.frame = frame

    def __repr__(self):
        return 'FrameCallGraphEntry(frame=' + repr(self.frame) + ')'


class FutureCallGraph:
    def __init__(self, future, call_stack, awaited_by):
        self.future = future
        self.call_stack = call_stack
        self.awaited_by = awaited_by

    def __repr__(self):
        return ('FutureCallGraph(future=' + repr(self.future) + ', call_stack='
                + repr(self.call_stack) + ', awaited_by=' + repr(self.awaited_by) + ')')


def _graph_stack(future, current, depth, limit):
    if limit == 0:
        return ()
    frames = _graph_frames(future, current, depth)
    if limit is not None:
        frames = frames[:limit] if limit > 0 else frames[limit:]
    frames.reverse()
    return tuple(FrameCallGraphEntry(_CallGraphFrame(*f)) for f in frames)


def _not_a_future(future):
    return TypeError(repr(future) + ' object does not appear to be compatible with asyncio.Future')


def _build_graph_for_future(future, limit):
    if not isfuture(future):
        raise _not_a_future(future)
    stack = _graph_stack(future, False, 1, limit) if isinstance(future, Task) else ()
    awaited_by = tuple(_build_graph_for_future(p, limit) for p in _awaited_by(future))
    return FutureCallGraph(future, stack, awaited_by)


def capture_call_graph(future=None, /, *, depth=1, limit=None):
    loop = _get_running_loop()
    if future is not None:
        if loop is None or future is not current_task():
            return _build_graph_for_future(future, limit)
    else:
        if loop is None:
            raise RuntimeError('capture_call_graph() is called outside of a running '
                               'event loop and no *future* to introspect was provided')
        future = current_task()
    if future is None:
        return None
    if not isfuture(future):
        raise _not_a_future(future)
    stack = _graph_stack(future, True, depth, limit)
    awaited_by = tuple(_build_graph_for_future(p, limit) for p in _awaited_by(future))
    return FutureCallGraph(future, stack, awaited_by)


def _render_call_graph(st, buf, level):
    pad = level * '    '
    if isinstance(st.future, Task):
        buf.append(pad + '* Task(name=' + repr(st.future.get_name()) + ', id=' + hex(id(st.future)) + ')')
    else:
        buf.append(pad + '* Future(id=' + hex(id(st.future)) + ')')
    if st.call_stack:
        buf.append(pad + '  + Call stack:')
        for entry in st.call_stack:
            f = entry.frame
            gen = f.f_generator
            if gen is None:
                tag = ''
            elif type(gen).__name__ == 'coroutine':
                tag = 'async '
            elif type(gen).__name__ == 'async_generator':
                tag = 'async generator '
            else:
                tag = 'generator '
            buf.append(pad + '  |   File ' + repr(f.f_code.co_filename) + ', line '
                       + str(f.f_lineno) + ', in ' + tag + f.f_code.co_qualname + '()')
    if st.awaited_by:
        buf.append(pad + '  + Awaited by:')
        for parent in st.awaited_by:
            _render_call_graph(parent, buf, level + 1)


def format_call_graph(future=None, /, *, depth=1, limit=None):
    graph = capture_call_graph(future, depth=depth, limit=limit)
    if graph is None:
        return ''
    buf = []
    _render_call_graph(graph, buf, 0)
    return '\n'.join(buf)


def print_call_graph(future=None, /, *, file=None, depth=1, limit=None):
    print(format_call_graph(future, depth=depth, limit=limit), file=file)

# Threads (src/threads/): futures of other threads, and the default executor.

def _set_concurrent_future_state(concurrent, source):
    if source.cancelled():
        concurrent.cancel()
    if not concurrent.set_running_or_notify_cancel():
        return
    _copy_outcome(source, concurrent)


def _copy_future_state(source, dest):
    if dest.cancelled():
        return
    if source.cancelled():
        dest.cancel()
    else:
        _copy_outcome(source, dest)


def _copy_outcome(source, dest):
    exception = source.exception()
    if exception is not None:
        dest.set_exception(exception)
    else:
        dest.set_result(source.result())


def _chain_future(source, destination):
    source_loop = _loop_of(source) if isfuture(source) else None
    dest_loop = _loop_of(destination) if isfuture(destination) else None

    def _set_state(future, other):
        if isfuture(future):
            _copy_future_state(other, future)
        else:
            _set_concurrent_future_state(future, other)

    def _call_check_cancel(destination):
        if destination.cancelled():
            if source_loop is None or source_loop is dest_loop:
                source.cancel()
            else:
                source_loop.call_soon_threadsafe(source.cancel)

    def _call_set_state(source):
        if destination.cancelled() and dest_loop is not None and dest_loop.is_closed():
            return
        if dest_loop is None or dest_loop is source_loop:
            _set_state(destination, source)
        else:
            if dest_loop.is_closed():
                return
            dest_loop.call_soon_threadsafe(_set_state, destination, source)

    destination.add_done_callback(_call_check_cancel)
    source.add_done_callback(_call_set_state)


def wrap_future(future, *, loop=None):
    if isfuture(future):
        return future
    if loop is None:
        loop = get_event_loop()
    new_future = loop.create_future()
    _chain_future(future, new_future)
    return new_future


def run_coroutine_threadsafe(coro, loop):
    if not iscoroutine(coro):
        raise TypeError('A coroutine object is required')
    import concurrent.futures
    future = concurrent.futures.Future()

    def callback():
        try:
            _chain_future(ensure_future(coro, loop=loop), future)
        except BaseException as exc:
            if future.set_running_or_notify_cancel():
                future.set_exception(exc)
            raise

    loop.call_soon_threadsafe(callback)
    return future


_default_executors = {}


def _run_in_executor(loop, executor, func, *args):
    if loop.is_closed():
        raise RuntimeError('Event loop is closed')
    if executor is None:
        executor = _default_executors.get(id(loop))
        if executor is None:
            import concurrent.futures
            executor = concurrent.futures.ThreadPoolExecutor(thread_name_prefix='asyncio')
            _default_executors[id(loop)] = executor
    return wrap_future(executor.submit(func, *args), loop=loop)


async def to_thread(func, *args, **kwargs):
    loop = get_running_loop()
    import functools
    return await loop.run_in_executor(None, functools.partial(func, *args, **kwargs))
