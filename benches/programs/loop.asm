; loop.asm: a tight integer loop with a multiply and a remainder.
;
; Definition (benches/RESULTS.md, "Benchmark definitions"):
;   s = 0; for i in 0 .. n-1: s += (i*i) rem 7     (64-bit signed, wrapping)
;   n = 100,000,000 -> 199999997
;
;   adead-vm run benches/programs/loop.asm 100000000   ; prints 199999997
;
; main(n) prints s with print_i64 and halts. The loop is in do-while form (one guard
; before it, the compare-and-branch at the bottom): 5 instructions per iteration.

.import print_i64 params=1

.func main params=1 regs=8
    movi r1, 0                  ; s
    movi r2, 0                  ; i
    movi r3, 7                  ; the divisor, hoisted
    bge r2, r0, done            ; n <= 0: no iteration
loop:
    mul r4, r2, r2              ; i * i
    rem r4, r4, r3              ; (i * i) rem 7
    add r1, r1, r4              ; s += ...
    addi r2, r2, 1              ; i++
    blt r2, r0, loop            ; while i < n
done:
    hcall r5, print_i64, r1, 1
    halt
.end
