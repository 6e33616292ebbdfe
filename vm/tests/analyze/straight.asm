; Triggers nothing under --fuel 3: it runs out of fuel, but not in a loop.
.func main params=0 regs=4
    movi r0, 1
    addi r0, r0, 1
    addi r0, r0, 1
    addi r0, r0, 1
    addi r0, r0, 1
    ret r0
.end
