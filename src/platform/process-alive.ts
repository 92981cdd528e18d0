/**
 * Whether process `pid` of this host is alive: signal 0 (kill(2)) reaches it, or it exists but belongs to another
 * user (EPERM). Used for lock and marker files left by processes that may have died (keytool's state lock, the
 * server's pid marks, backup and restore staging). No dependency, so keytool can use it too.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
