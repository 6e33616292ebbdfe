; Triggers nothing: one tensor freed, the other returned to the host as the result.
.func main params=0 regs=8
    movi r2, 5
    tnew r3, r2, 1
    tfree r3
    tnew r4, r2, 1
    ret r4
.end
