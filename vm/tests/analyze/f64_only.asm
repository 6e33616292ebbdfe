; Triggers nothing: f64 data scaled in f64, 64 times.
.memory 65536
.func main params=0 regs=8
    movi r0, 0
    movi r1, 64
    movi r2, 1024
    fmovi r5, 1.25
top:
    fld64 r3, r2, 0
    fmul r3, r3, r5
    fst64 r2, 0, r3
    addi r2, r2, 8
    addi r0, r0, 1
    blt r0, r1, top
    ret r0
.end
