; trap.asm: a program that traps on purpose.
;
;   adead-vm run examples/trap.asm; echo $?      ; prints 100, then the trap; exit code 70
;
; Output printed before a trap is flushed; the trap names its kind, function,
; instruction and source line.

.func main params=0 regs=4
    movi r0, 100
    hcall r3, print_i64, r0, 1  ; printed before the trap
    movi r1, 0
    div r2, r0, r1              ; 100 / 0 traps: divide_by_zero
    halt r2
.end
