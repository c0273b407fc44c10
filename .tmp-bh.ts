import { LiteSVM } from 'litesvm';
const a = new LiteSVM();
a.expireBlockhash();
const snap = a.toBytes();
const h: string[] = [];
for (let i = 0; i < 3; i++) { a.expireBlockhash(); h.push(a.latestBlockhash()); }
const b = LiteSVM.fromBytes(snap);
const h2: string[] = [];
for (let i = 0; i < 3; i++) { b.expireBlockhash(); h2.push(b.latestBlockhash()); }
console.log(h, h2, JSON.stringify(h) === JSON.stringify(h2));
console.log(Object.getOwnPropertyNames(Object.getPrototypeOf(a)).filter(n => /hash/i.test(n)));
console.log(Object.getOwnPropertyNames(Object.getPrototypeOf((a as any).inner)).filter(n => /hash/i.test(n)));
