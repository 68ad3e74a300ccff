# concurrent.futures, minimal: Future (waited on with threading's _block) and a
# ThreadPoolExecutor whose workers are green threads. Written in aio on the threading natives.

import threading

FIRST_COMPLETED = 'FIRST_COMPLETED'
FIRST_EXCEPTION = 'FIRST_EXCEPTION'
ALL_COMPLETED = 'ALL_COMPLETED'

_PENDING = 'PENDING'
_RUNNING = 'RUNNING'
_CANCELLED = 'CANCELLED'
_CANCELLED_AND_NOTIFIED = 'CANCELLED_AND_NOTIFIED'
_FINISHED = 'FINISHED'


class Error(Exception):
    pass


class CancelledError(Error):
    pass


class InvalidStateError(Error):
    pass


class BrokenExecutor(RuntimeError):
    pass


TimeoutError = TimeoutError


class Future:
    def __init__(self):
        self._state = _PENDING
        self._result = None
        self._exception = None
        self._done_callbacks = []

    def __repr__(self):
        where = hex(id(self))
        if self._state == _FINISHED:
            if self._exception is not None:
                return ("<Future at " + where + " state=finished raised "
                        + type(self._exception).__name__ + ">")
            return ("<Future at " + where + " state=finished returned "
                    + type(self._result).__name__ + ">")
        return "<Future at " + where + " state=" + self._state.lower() + ">"

    def _invoke_callbacks(self):
        for callback in self._done_callbacks:
            try:
                callback(self)
            except Exception as e:
                _print_exception("exception calling callback for " + repr(self), e)
        self._done_callbacks = []

    def cancel(self):
        if self._state in (_RUNNING, _FINISHED):
            return False
        if self._state in (_CANCELLED, _CANCELLED_AND_NOTIFIED):
            return True
        self._state = _CANCELLED
        self._invoke_callbacks()
        return True

    def cancelled(self):
        return self._state in (_CANCELLED, _CANCELLED_AND_NOTIFIED)

    def running(self):
        return self._state == _RUNNING

    def done(self):
        return self._state in (_CANCELLED, _CANCELLED_AND_NOTIFIED, _FINISHED)

    def _outcome(self):
        if self._state in (_CANCELLED, _CANCELLED_AND_NOTIFIED):
            raise CancelledError()
        if self._state == _FINISHED:
            return True
        raise TimeoutError()

    def result(self, timeout=None):
        if not self.done():
            _block(self.done, timeout)
        self._outcome()
        if self._exception is not None:
            raise self._exception
        return self._result

    def exception(self, timeout=None):
        if not self.done():
            _block(self.done, timeout)
        self._outcome()
        return self._exception

    def add_done_callback(self, fn):
        if not self.done():
            self._done_callbacks.append(fn)
            return
        try:
            fn(self)
        except Exception as e:
            _print_exception("exception calling callback for " + repr(self), e)

    def set_running_or_notify_cancel(self):
        if self._state == _CANCELLED:
            self._state = _CANCELLED_AND_NOTIFIED
            return False
        if self._state == _PENDING:
            self._state = _RUNNING
            return True
        raise RuntimeError('Future in unexpected state')

    def set_result(self, result):
        if self._state in (_CANCELLED, _CANCELLED_AND_NOTIFIED, _FINISHED):
            raise InvalidStateError(self._state + ": " + repr(self))
        self._result = result
        self._state = _FINISHED
        self._invoke_callbacks()

    def set_exception(self, exception):
        if self._state in (_CANCELLED, _CANCELLED_AND_NOTIFIED, _FINISHED):
            raise InvalidStateError(self._state + ": " + repr(self))
        self._exception = exception
        self._state = _FINISHED
        self._invoke_callbacks()


class Executor:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.shutdown(wait=True)
        return False

    def map(self, fn, *iterables, timeout=None):
        fs = [self.submit(fn, *args) for args in zip(*iterables)]
        return [f.result(timeout) for f in fs]


class ThreadPoolExecutor(Executor):
    _counter = 0

    def __init__(self, max_workers=None, thread_name_prefix=''):
        if max_workers is None:
            max_workers = 5
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        self._max_workers = max_workers
        self._work = []
        self._threads = []
        self._idle = 0
        self._shutdown = False
        if not thread_name_prefix:
            thread_name_prefix = "ThreadPoolExecutor-" + str(ThreadPoolExecutor._counter)
            ThreadPoolExecutor._counter += 1
        self._thread_name_prefix = thread_name_prefix

    def submit(self, fn, *args, **kwargs):
        if self._shutdown:
            raise RuntimeError('cannot schedule new futures after shutdown')
        f = Future()
        self._work.append((f, fn, args, kwargs))
        if self._idle == 0 and len(self._threads) < self._max_workers:
            name = self._thread_name_prefix + "_" + str(len(self._threads))
            t = threading.Thread(name=name, target=self._worker)
            self._threads.append(t)
            t.start()
        return f

    def _has_work(self):
        return len(self._work) > 0 or self._shutdown or _shutting_down()

    def _worker(self):
        # Workers are not daemons: at exit they finish the queued work, then end once the
        # program is shutting down (CPython's atexit hook `_python_exit`).
        while True:
            if not self._work:
                self._idle += 1
                _block(self._has_work, None)
                self._idle -= 1
            if not self._work:
                return
            f, fn, args, kwargs = self._work.pop(0)
            if not f.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as e:
                f.set_exception(e)
            else:
                f.set_result(result)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self._shutdown = True
        if cancel_futures:
            for f, fn, args, kwargs in self._work:
                f.cancel()
            self._work = []
        if wait:
            for t in self._threads:
                t.join()


def wait(fs, timeout=None, return_when=ALL_COMPLETED):
    fs = list(fs)

    def ready():
        finished = [f for f in fs if f.done()]
        if return_when == FIRST_COMPLETED:
            return len(finished) > 0
        if return_when == FIRST_EXCEPTION:
            if any(f.done() and not f.cancelled() and f._exception is not None for f in fs):
                return True
        return len(finished) == len(fs)

    _block(ready, timeout)
    done = set(f for f in fs if f.done())
    not_done = set(f for f in fs if not f.done())
    return done, not_done


def as_completed(fs, timeout=None):
    pending = list(fs)
    result = []
    while pending:
        _block(lambda: any(f.done() for f in pending), timeout)
        finished = [f for f in pending if f.done()]
        if not finished:
            raise TimeoutError(str(len(pending)) + " (of " + str(len(fs)) + ") futures unfinished")
        for f in finished:
            pending.remove(f)
            result.append(f)
    return result
