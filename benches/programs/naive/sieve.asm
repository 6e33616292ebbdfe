; naive/sieve.asm: the sieve of Eratosthenes as a naive compiler front end emits it.
;
; Definition (benches/RESULTS.md, "Benchmark definitions"), the same as ../sieve.asm:
;   allocate flags[0..n] (one byte each); then `passes` times:
;     set every flag to 1;
;     for i = 2 while i*i <= n: if flags[i]: for j = i*i .. n step i: flags[j] = 0
;     count the set flags in 2..n
;   checksum = the sum of the counts.
;   n = 10,000,000, passes = 3 -> 1993737 (664579 per pass)
;
;   adead-vm run benches/programs/naive/sieve.asm 10000000 3   ; prints 1993737
;
; The C peer's sieve() in a separate function, translated without loop rotation,
; strength reduction or hoisting: every loop is top-tested (compare into a register, `jz`
; out, body, `jmp` back), every flags[k] is addressed as flags + k from the index, the
; stored 0 is materialised with `movi` in the inner loop, i*i is computed in the test and
; again for the start of j, and the count is `if (flags[i]) count++` with a branch. The
; fill stays one `mfill`, as the definition says for adead (a front end lowers the fill
; loop to its memset). (The hand-written ../sieve.asm walks &flags[j] in do-while loops:
; 3 instructions per crossed-out flag, 4 per counted flag.)
;
; main(n, passes) prints sieve(n, passes) with print_i64 and halts. 7 instructions per
; crossed-out flag (sle, jz, add, movi, st8, add, jmp), 7 or 8 per counted flag, 8 per
; i of the outer loop and 3 more when flags[i] is set (j = i*i and the inner loop's last
; test); 691,924,724 for n = 10^7, 3 passes.

.import print_i64 params=1

.func main params=2 regs=4
    call r2, sieve, r0, 2
    hcall r3, print_i64, r2, 1
    halt
.end

.func sieve params=2 regs=24
    ; r0 n, r1 passes
    addi r2, r0, 1              ; n + 1 bytes
    alloc r3, r2                ; flags
    movi r4, 0                  ; total
    movi r5, 0                  ; p
pass_test:
    slt r6, r5, r1              ; p < passes
    jz r6, finish
    addi r7, r0, 1
    movi r8, 1
    mfill r3, r8, r7            ; flags[0..n] = 1
    movi r9, 2                  ; i
outer_test:
    mul r10, r9, r9
    sle r6, r10, r0             ; i * i <= n
    jz r6, count
    add r11, r3, r9
    ld8u r12, r11, 0            ; flags[i]
    jz r12, next_i
    mul r13, r9, r9             ; j = i * i
inner_test:
    sle r6, r13, r0             ; j <= n
    jz r6, next_i
    add r11, r3, r13
    movi r14, 0
    st8 r11, 0, r14             ; flags[j] = 0
    add r13, r13, r9            ; j += i
    jmp inner_test
next_i:
    addi r9, r9, 1              ; i++
    jmp outer_test
count:
    movi r15, 0                 ; count
    movi r9, 2                  ; i
count_test:
    sle r6, r9, r0              ; i <= n
    jz r6, counted
    add r11, r3, r9
    ld8u r12, r11, 0
    jz r12, count_next          ; if (flags[i])
    addi r15, r15, 1            ; count++
count_next:
    addi r9, r9, 1
    jmp count_test
counted:
    add r4, r4, r15             ; total += count
    addi r5, r5, 1              ; p++
    jmp pass_test
finish:
    free r3
    ret r4
.end
