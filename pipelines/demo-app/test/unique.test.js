import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueSlug } from '../src/slug.js';

test('keeps a free slug', () => assert.equal(uniqueSlug('A b', new Set()), 'a-b'));
test('numbers taken slugs', () => assert.equal(uniqueSlug('A b', new Set(['a-b', 'a-b-2'])), 'a-b-3'));
