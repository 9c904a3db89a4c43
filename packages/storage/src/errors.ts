export class ObjectExistsError extends Error {
  readonly code = 'OBJECT_EXISTS';
  readonly key: string;

  constructor(key: string) {
    super(`Object "${key}" already exists and is write-once; store it under a new key. (对象已存在，不可覆盖)`);
    this.name = 'ObjectExistsError';
    this.key = key;
  }
}

export class ObjectNotFoundError extends Error {
  readonly code = 'OBJECT_NOT_FOUND';
  readonly key: string;

  constructor(key: string, options?: { cause?: unknown }) {
    super(`Object "${key}" was not found. (对象不存在)`, options);
    this.name = 'ObjectNotFoundError';
    this.key = key;
  }
}

export class InvalidKeyError extends Error {
  readonly code = 'INVALID_KEY';

  constructor(message: string) {
    super(`${message} (对象键无效)`);
    this.name = 'InvalidKeyError';
  }
}
