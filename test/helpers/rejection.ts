/**
 * The error `promise` rejects with; fails the test when it resolves.
 *
 * @example
 * expect(await rejection(client.sendMessage(bad))).to.be.instanceOf(InvalidRequestError);
 */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
