/**
 * Starts the fake API a terminal chat serves its agent's replies to; when the port is taken,
 * the error says which option picks another.
 *
 * @example
 * const api = await startFakeApi(() => FakeRbmApi.start({ port: 8081 }), 'the fake RBM API', 8081);
 */
export async function startFakeApi<T>(start: () => Promise<T>, name: string, port: number | undefined): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'EADDRINUSE' ? `port ${port} is taken; expected a free port for ${name} (pass --api-port)` : `cannot start ${name}: ${(error as Error).message}`);
  }
}
