/** cameThroughFrontDoor (functions/core/front-door/origin-check.ts): the current value, during a rotation the previous one too, nothing else. */
import { cameThroughFrontDoor } from '../../../../functions/core/front-door/origin-check';

const CURRENT = 'c'.repeat(64);
const PREVIOUS = 'p'.repeat(64);

test('the current value is admitted; without a rotation only it', () => {
  expect(cameThroughFrontDoor(CURRENT, { current: CURRENT })).toBe(true);
  expect(cameThroughFrontDoor(PREVIOUS, { current: CURRENT })).toBe(false);
});

test('during a rotation both the current and the previous value are admitted', () => {
  expect(cameThroughFrontDoor(CURRENT, { current: CURRENT, previous: PREVIOUS })).toBe(true);
  expect(cameThroughFrontDoor(PREVIOUS, { current: CURRENT, previous: PREVIOUS })).toBe(true);
});

test.each([undefined, '', 'c', CURRENT.slice(1), `${CURRENT}c`, CURRENT.toUpperCase(), ` ${CURRENT}`])('anything else is refused: %p', (presented) => {
  expect(cameThroughFrontDoor(presented, { current: CURRENT, previous: PREVIOUS })).toBe(false);
});
