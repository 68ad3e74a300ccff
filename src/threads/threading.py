# The threading API, written in aio on a few natives: _start (a new green thread),
# _block (wait for a predicate or a timeout, letting other threads run), _current,
# get_ident. This code runs without thread switches in the middle (like C code under
# CPython's GIL), so "check, then take" in Lock.acquire is atomic.

TIMEOUT_MAX = 9223372036.0

_counter = 0
_active = {}


def _newname(template):
    global _counter
    _counter += 1
    return template % _counter


def current_thread():
    return _current()


currentThread = current_thread


def main_thread():
    return _main


def active_count():
    return len(_active)


def enumerate():
    return list(_active.values())


def setswitchinterval(interval):
    _set_interval(interval)


def getswitchinterval():
    return _get_interval()


class ExceptHookArgs:
    def __init__(self, exc_type, exc_value, exc_traceback, thread):
        self.exc_type = exc_type
        self.exc_value = exc_value
        self.exc_traceback = exc_traceback
        self.thread = thread


def _default_excepthook(args):
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else get_ident()
    _print_exception(name, args.exc_value)


excepthook = _default_excepthook
__excepthook__ = _default_excepthook


class Thread:
    def __init__(self, group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None):
        if name:
            name = str(name)
        else:
            name = _newname("Thread-%d")
            if target is not None:
                try:
                    name += " (" + target.__name__ + ")"
                except AttributeError:
                    pass
        self._target = target
        self._name = name
        self._args = args
        self._kwargs = kwargs if kwargs is not None else {}
        if daemon is not None:
            self._daemonic = daemon
        else:
            self._daemonic = current_thread().daemon
        self._ident = None
        self._started = False
        self._is_stopped = False

    def start(self):
        if self._started:
            raise RuntimeError("threads can only be started once")
        self._started = True
        self._running = False
        self._ident = _start(self, self._bootstrap, self._daemonic)
        _active[self._ident] = self
        # As CPython's start(), wait until the new thread runs (it then keeps running
        # until it blocks or its switch interval ends).
        _block(self._has_run, None)

    def _has_run(self):
        return self._running

    def _bootstrap(self):
        self._running = True
        try:
            self.run()
        except BaseException as e:
            excepthook(ExceptHookArgs(type(e), e, None, self))
        finally:
            self._is_stopped = True
            del _active[self._ident]

    def run(self):
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def join(self, timeout=None):
        if not self._started:
            raise RuntimeError("cannot join thread before it is started")
        if self is current_thread():
            raise RuntimeError("cannot join current thread")
        if self._is_stopped:
            return
        if timeout is not None and timeout < 0:
            timeout = 0
        _block(self._stopped, timeout)

    def _stopped(self):
        return self._is_stopped

    def is_alive(self):
        return self._started and not self._is_stopped

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, name):
        self._name = str(name)

    @property
    def ident(self):
        return self._ident

    @property
    def native_id(self):
        return self._ident

    @property
    def daemon(self):
        return self._daemonic

    @daemon.setter
    def daemon(self, daemonic):
        if self._started:
            raise RuntimeError("cannot set daemon status of active thread")
        self._daemonic = daemonic

    def isDaemon(self):
        return self._daemonic

    def setDaemon(self, daemonic):
        self.daemon = daemonic

    def getName(self):
        return self._name

    def setName(self, name):
        self.name = name

    def __repr__(self):
        status = "initial"
        if self._started:
            status = "started"
        if self._is_stopped:
            status = "stopped"
        if self._daemonic:
            status += " daemon"
        if self._ident is not None:
            status += " " + str(self._ident)
        return "<" + type(self).__name__ + "(" + self._name + ", " + status + ")>"


class _MainThread(Thread):
    def __init__(self):
        self._target = None
        self._name = "MainThread"
        self._args = ()
        self._kwargs = {}
        self._daemonic = False
        self._started = True
        self._is_stopped = False
        self._ident = _main_ident()


_main = _MainThread()
_set_main(_main)
_active[_main._ident] = _main


class Lock:
    def __init__(self):
        self._locked = False

    def _free(self):
        return not self._locked

    def acquire(self, blocking=True, timeout=-1):
        if not blocking and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        if not self._locked:
            self._locked = True
            return True
        if not blocking:
            return False
        if not _block(self._free, None if timeout < 0 else timeout):
            return False
        self._locked = True
        return True

    def release(self):
        if not self._locked:
            raise RuntimeError("release unlocked lock")
        self._locked = False

    def locked(self):
        return self._locked

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *args):
        self.release()

    def __repr__(self):
        state = "locked" if self._locked else "unlocked"
        return "<" + state + " _thread.lock object at " + hex(id(self)) + ">"


class RLock:
    def __init__(self):
        self._owner = None
        self._count = 0

    def _free(self):
        return self._owner is None

    def acquire(self, blocking=True, timeout=-1):
        me = get_ident()
        if self._owner == me:
            self._count += 1
            return True
        if self._owner is not None:
            if not blocking:
                return False
            if not _block(self._free, None if timeout < 0 else timeout):
                return False
        self._owner = me
        self._count = 1
        return True

    def release(self):
        if self._owner != get_ident():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            self._owner = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *args):
        self.release()

    def __repr__(self):
        state = "locked" if self._owner is not None else "unlocked"
        return ("<" + state + " _thread.RLock object owner=" + str(self._owner or 0)
                + " count=" + str(self._count) + " at " + hex(id(self)) + ">")


class Event:
    def __init__(self):
        self._flag = False

    def _is_set(self):
        return self._flag

    def is_set(self):
        return self._flag

    isSet = is_set

    def set(self):
        self._flag = True

    def clear(self):
        self._flag = False

    def wait(self, timeout=None):
        if self._flag:
            return True
        return _block(self._is_set, timeout)


class Condition:
    def __init__(self, lock=None):
        if lock is None:
            lock = RLock()
        self._lock = lock
        self._waiters = []

    def __enter__(self):
        return self._lock.acquire()

    def __exit__(self, *args):
        self._lock.release()

    def acquire(self, *args):
        return self._lock.acquire(*args)

    def release(self):
        self._lock.release()

    def wait(self, timeout=None):
        waiter = [False]
        self._waiters.append(waiter)
        self._lock.release()
        try:
            return _block(lambda: waiter[0], timeout)
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            self._lock.acquire()

    def wait_for(self, predicate, timeout=None):
        result = predicate()
        while not result:
            if not self.wait(timeout):
                return predicate()
            result = predicate()
        return result

    def notify(self, n=1):
        for waiter in self._waiters[:n]:
            waiter[0] = True
            self._waiters.remove(waiter)

    def notify_all(self):
        self.notify(len(self._waiters))


class Semaphore:
    def __init__(self, value=1):
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._value = value

    def _available(self):
        return self._value > 0

    def acquire(self, blocking=True, timeout=None):
        if self._value == 0:
            if not blocking:
                return False
            if not _block(self._available, timeout):
                return False
        self._value -= 1
        return True

    def release(self, n=1):
        self._value += n

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *args):
        self.release()


class BoundedSemaphore(Semaphore):
    def __init__(self, value=1):
        Semaphore.__init__(self, value)
        self._initial_value = value

    def release(self, n=1):
        if self._value + n > self._initial_value:
            raise ValueError("Semaphore released too many times")
        self._value += n


class Timer(Thread):
    def __init__(self, interval, function, args=None, kwargs=None):
        Thread.__init__(self)
        self.interval = interval
        self.function = function
        self.args = args if args is not None else []
        self.kwargs = kwargs if kwargs is not None else {}
        self.finished = Event()

    def cancel(self):
        self.finished.set()

    def run(self):
        self.finished.wait(self.interval)
        if not self.finished.is_set():
            self.function(*self.args, **self.kwargs)
        self.finished.set()
