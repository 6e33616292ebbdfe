; naive/loop.asm: the integer loop as a naive compiler front end emits it.
;
; Definition (benches/RESULTS.md, "Benchmark definitions"), the same as ../loop.asm:
;   s = 0; for i in 0 .. n-1: s += (i*i) rem 7     (64-bit signed, wrapping)
;   n = 100,000,000 -> 199999997
;
;   adead-vm run benches/programs/naive/loop.asm 100000000   ; prints 199999997
;
; The C source `for (i = 0; i < n; i++) s += (i * i) % 7;` in a separate function, as a
; front end without loop rotation, instruction fusion or hoisting translates it: the loop
; is top-tested (compare into a register, `jz` out, body, `jmp` back to the test) and the
; divisor 7 is materialised with `movi` inside the body, where the literal is. (The
; hand-written ../loop.asm is a do-while loop with the divisor hoisted: 5 instructions
; per iteration.)
;
; main(n) prints loop(n) with print_i64 and halts. 8 instructions per iteration.

.import print_i64 params=1

.func main params=1 regs=4
    call r1, loop, r0, 1
    hcall r2, print_i64, r1, 1
    halt
.end

.func loop params=1 regs=8
    movi r1, 0                  ; s
    movi r2, 0                  ; i
header:
    slt r3, r2, r0              ; i < n
    jz r3, done
    mul r4, r2, r2              ; i * i
    movi r5, 7
    rem r4, r4, r5              ; (i * i) % 7
    add r1, r1, r4              ; s += ...
    addi r2, r2, 1              ; i++
    jmp header
done:
    ret r1
.end
