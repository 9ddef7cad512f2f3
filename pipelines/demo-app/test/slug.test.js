import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slugify } from '../src/slug.js';

test('lowercases and joins words with dashes', () => assert.equal(slugify('Hello, World!'), 'hello-world'));
test('drops accents', () => assert.equal(slugify('Crème brûlée'), 'creme-brulee'));
test('trims at a word boundary', () => assert.equal(slugify('one two three', { maxLength: 9 }), 'one-two'));
